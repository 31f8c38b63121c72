import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Transport } from '../mux/transport.js';
import { MAX_HELLO_PAYLOAD, HEADER_BYTES } from '../protocol/index.js';

/** ws `maxPayload` for both ends: the largest frame (a HELLO) plus its header, with room to spare. */
export const WS_MAX_PAYLOAD = MAX_HELLO_PAYLOAD + HEADER_BYTES + 1024;

/**
 * WebSocket client options for masking. RFC 6455 masks client frames so that
 * an intermediary reading cleartext cannot be fooled by attacker-chosen bytes
 * (cache poisoning). Inside TLS no intermediary reads them, and masking costs
 * a copy of every byte sent, so over wss adit uses the all-zero mask, which ws
 * recognises and skips. Over plain ws the mask stays random.
 */
export function clientMaskOptions(url: string): { generateMask?: (mask: Buffer) => void } {
  return url.startsWith('wss:') ? { generateMask: (mask: Buffer) => { mask.fill(0); } } : {};
}

/** Payloads up to this size are copied next to their header and sent as one WebSocket message. */
const COALESCE_BELOW = 2048;
const SEND_OPTS = { binary: true, compress: false, fin: true } as const;
/**
 * Keep writing until this much waits in the socket's buffer. Node's 16 KiB
 * default would stop the scheduler after every 64 KiB frame and cost an event
 * loop turn per frame; much more would delay small frames behind bulk ones.
 */
export const TRANSPORT_HIGH_WATER = 256 * 1024;

/**
 * Carries a session over a `ws` WebSocket. Binary messages are chunks of the
 * frame stream; their boundaries mean nothing. Backpressure comes from the
 * raw socket under ws, since ws writes straight through when not compressing.
 */
export class WsTransport extends EventEmitter implements Transport {
  readonly remote: string;
  private readonly raw: Socket;
  private closed = false;

  constructor(private readonly ws: WebSocket) {
    super();
    ws.binaryType = 'nodebuffer';
    this.raw = (ws as unknown as { _socket: Socket })._socket;
    this.remote = `${this.raw.remoteAddress ?? '?'}:${this.raw.remotePort ?? '?'}`;
    this.raw.setNoDelay(true);
    let error: Error | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(1003, 'adit speaks binary frames only');
        return;
      }
      this.emit('data', data);
    });
    this.raw.on('drain', () => this.emit('drain'));
    ws.on('error', (err) => { error = err; });
    ws.on('close', (code: number, reason: Buffer) => {
      const normal = code === 1000 || code === 1001;
      this.finish(error ?? (normal ? undefined : new Error(`websocket closed with code ${code}${reason.length ? `: ${reason.toString()}` : ''}`)));
    });
  }

  get bufferedBytes(): number {
    return this.raw.writableLength;
  }

  write(header: Buffer, payload?: Buffer): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    if (payload === undefined) {
      this.ws.send(header, SEND_OPTS);
    } else if (payload.length < COALESCE_BELOW) {
      this.ws.send(Buffer.concat([header, payload], header.length + payload.length), SEND_OPTS);
    } else {
      this.ws.send(header, SEND_OPTS);
      this.ws.send(payload, SEND_OPTS);
    }
    return this.raw.writableLength < TRANSPORT_HIGH_WATER;
  }

  cork(): void { this.raw.cork(); }
  uncork(): void { this.raw.uncork(); }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', err);
  }
}

export function wsTransport(ws: WebSocket): Transport {
  return new WsTransport(ws);
}
