import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Transport } from '../mux/transport.js';
import { MAX_HELLO_PAYLOAD, HEADER_BYTES } from '../protocol/index.js';
import { wsMessage } from './ws-frame.js';

/** ws `maxPayload` for both ends: the largest frame (a HELLO) plus its header, with room to spare. */
export const WS_MAX_PAYLOAD = MAX_HELLO_PAYLOAD + HEADER_BYTES + 1024;

/**
 * Keep writing until this much waits in the socket's buffer. Node's 16 KiB
 * default would stop the scheduler after every 64 KiB frame and cost an event
 * loop turn per frame; much more would delay small frames behind bulk ones.
 */
export const TRANSPORT_HIGH_WATER = 256 * 1024;

/**
 * Carries a session over a `ws` WebSocket. Binary messages are chunks of the
 * frame stream; their boundaries mean nothing. ws parses what arrives; what
 * leaves is framed by ws-frame.ts and written to the socket under ws (ws
 * itself writes synchronously when not compressing, so frames never
 * interleave), which also gives exact backpressure.
 *
 * Masking: RFC 6455 masks client frames so that an intermediary reading
 * cleartext cannot be steered by attacker-chosen bytes. Inside TLS nobody
 * reads them, and a random mask costs a copy of every byte, so over wss the
 * client uses the all-zero key; over plain ws it uses random keys.
 */
export class WsTransport extends EventEmitter implements Transport {
  readonly remote: string;
  private readonly raw: Socket;
  private closed = false;
  private readonly maskMode: 'none' | 'zero' | 'random';

  constructor(private readonly ws: WebSocket) {
    super();
    ws.binaryType = 'nodebuffer';
    this.raw = (ws as unknown as { _socket: Socket })._socket;
    this.remote = `${this.raw.remoteAddress ?? '?'}:${this.raw.remotePort ?? '?'}`;
    this.raw.setNoDelay(true);
    const isServer = (ws as unknown as { _isServer: boolean })._isServer;
    this.maskMode = isServer ? 'none' : ws.url.startsWith('wss:') ? 'zero' : 'random';
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
    for (const b of wsMessage(header, payload, this.maskMode)) this.raw.write(b);
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
