import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { Transport } from '../mux/transport.js';
import { TurnBudget } from '../mux/turn-budget.js';
import { MAX_HELLO_PAYLOAD, HEADER_BYTES } from '../protocol/index.js';
import { MaskArena, wsMessage, type MaskMode } from './ws-frame.js';
import { PremaskedSlab } from './ws-premask.js';
import { WS_CLOSE, WsFrameReader, WsOpcode, WsProtocolError } from './ws-receive.js';

/** ws `maxPayload` for both ends while ws reads (the handshake only): the largest frame (a HELLO) plus its header, with room to spare. */
export const WS_MAX_PAYLOAD = MAX_HELLO_PAYLOAD + HEADER_BYTES + 1024;

/**
 * Keep writing until this much waits in the socket's buffer. Node's 16 KiB
 * default would stop the scheduler after every 64 KiB frame and cost an event
 * loop turn per frame; more only delays a small frame behind bulk ones (at
 * 256 KiB the 1-byte round trip beside a bulk stream had a p99 about 1 ms higher).
 */
export const TRANSPORT_HIGH_WATER = 128 * 1024;

/** How long an orderly close waits for the peer's close frame before dropping the connection. */
const CLOSE_TIMEOUT_MS = 10_000;

/** ws's own listeners on the socket, by the names ws 8 gives them; removed when adit takes the socket over. */
const WS_SOCKET_LISTENERS: Record<string, string> = { data: 'socketOnData', end: 'socketOnEnd', close: 'socketOnClose', error: 'socketOnError' };

/**
 * Carries a session over a WebSocket that `ws` opened. ws does the handshake
 * (HTTP upgrade, subprotocol, TLS, proxies); then this transport takes the
 * socket over and speaks RFC 6455 itself: ws-receive.ts hands binary payloads
 * on as views of the socket's chunks (ws would assemble and copy every message
 * that straddles two reads), and ws-frame.ts writes one message per adit frame
 * without copying its payload.
 *
 * Masking: RFC 6455 masks client frames so that an intermediary reading
 * cleartext cannot be steered by attacker-chosen bytes. Inside TLS nobody
 * reads them, and a random mask costs a copy of every byte, so over wss the
 * client uses the all-zero key; over plain ws it uses random keys, and the
 * client's read stage masks its targets' bytes as it copies them (premask).
 */
export class WsTransport extends EventEmitter implements Transport {
  readonly remote: string;
  private readonly raw: Socket;
  private readonly maskMode: MaskMode;
  private readonly reader: WsFrameReader;
  private readonly arena = new MaskArena();
  /** Over plain ws, a client's read stage masks what it stages through this (ws-premask.ts). */
  readonly premask: PremaskedSlab | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closeSent = false;
  /** Close code and reason the peer sent, once it did. */
  private peerClose?: { code: number; reason: string };
  private error?: Error;
  private closeTimer?: NodeJS.Timeout;
  private emittedClose = false;
  /** Bytes read this turn; a spent budget pauses the socket until the turn's end, after the other sockets' events. */
  private readonly turn = new TurnBudget(() => {
    if (this.raw.isPaused() && this.state !== 'closed') this.raw.resume();
  });

  constructor(ws: WebSocket) {
    super();
    const w = ws as unknown as { _socket: Socket; _isServer: boolean; _receiver: { _bufferedBytes: number }; url: string };
    this.raw = w._socket;
    this.remote = `${this.raw.remoteAddress ?? '?'}:${this.raw.remotePort ?? '?'}`;
    this.maskMode = w._isServer ? 'none' : w.url.startsWith('wss:') ? 'zero' : 'random';
    this.premask = this.maskMode === 'random' ? new PremaskedSlab() : undefined;
    takeSocketFromWs(this.raw, w._receiver._bufferedBytes);
    this.raw.setNoDelay(true);
    this.reader = new WsFrameReader(
      { data: (view) => this.emit('data', view), control: (op, payload) => this.onControl(op, payload) },
      w._isServer,
    );
    // The socket stays paused until the session listens: nothing read before then is lost.
    this.on('newListener', (event: string) => {
      if (event === 'data' && this.listenerCount('data') === 0) this.raw.resume(); // flows from the next tick, once the listener is on
    });
    this.raw.on('data', (chunk: Buffer) => {
      if (this.state === 'closed') return;
      try {
        this.reader.push(chunk);
      } catch (err) {
        const e = err instanceof WsProtocolError ? err : new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, (err as Error).message);
        this.fail(e.closeCode, e.message);
        return;
      }
      if (this.turn.spend(chunk.length)) this.raw.pause();
    });
    this.raw.on('drain', () => this.emit('drain'));
    this.raw.on('error', (err) => { this.error ??= err; });
    this.raw.on('end', () => {
      // A peer that ends the TCP connection without a close frame closed abnormally (1006).
      if (!this.peerClose) this.error ??= new Error('websocket closed with code 1006 (the connection ended without a close frame)');
      this.raw.end();
    });
    this.raw.on('close', () => this.finish());
  }

  get bufferedBytes(): number {
    return this.raw.writableLength;
  }

  write(header: Buffer, payload?: Buffer): boolean {
    if (this.state !== 'open') return false;
    const staged = payload && this.premask ? this.premask.message(header, payload, this.arena) : undefined;
    for (const b of staged ?? wsMessage(header, payload, this.maskMode, undefined, this.arena)) this.raw.write(b);
    this.maybeRecycle();
    return this.raw.writableLength < TRANSPORT_HIGH_WATER;
  }

  cork(): void { this.raw.cork(); }
  uncork(): void {
    this.raw.uncork();
    this.maybeRecycle();
  }

  /** The kernel took every byte written so far: no queued write points into the mask arena any more. */
  private maybeRecycle(): void {
    if (this.raw.writableCorked === 0 && this.raw.writableLength === 0) this.arena.recycle();
  }

  /** Orderly close: a close frame (1000), then the connection ends once the peer answers with its own. */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.sendClose(WS_CLOSE.NORMAL, '');
    this.closeTimer = setTimeout(() => this.raw.destroy(), CLOSE_TIMEOUT_MS).unref();
  }

  destroy(): void {
    this.raw.destroy();
  }

  private onControl(opcode: WsOpcode, payload: Buffer): void {
    if (opcode === WsOpcode.PING) {
      if (this.state === 'open') this.raw.write(Buffer.concat(wsMessage(payload, undefined, this.maskMode, WsOpcode.PONG)));
      return;
    }
    if (opcode !== WsOpcode.CLOSE) return; // an unsolicited pong: nothing to do
    if (payload.length === 1) return this.fail(WS_CLOSE.PROTOCOL_ERROR, 'websocket close frame with a 1-byte payload');
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    this.peerClose = { code, reason: payload.toString('utf8', 2) };
    // Answer with the same code (RFC 6455 5.5.1), then end: nothing more is read or written.
    if (!this.closeSent) this.sendClose(code === 1005 ? WS_CLOSE.NORMAL : code, '');
    this.state = 'closing';
    this.raw.end();
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent || this.raw.destroyed) return;
    this.closeSent = true;
    const p = Buffer.alloc(2 + Buffer.byteLength(reason));
    p.writeUInt16BE(code, 0);
    p.write(reason, 2);
    this.raw.write(Buffer.concat(wsMessage(p, undefined, this.maskMode, WsOpcode.CLOSE)));
  }

  /** A frame this side must reject: say why in a close frame and drop the connection. */
  private fail(code: number, message: string): void {
    this.error ??= new Error(`websocket protocol error: ${message}`);
    this.sendClose(code, message.slice(0, 120));
    this.state = 'closed';
    this.raw.end();
    this.closeTimer = setTimeout(() => this.raw.destroy(), 1000).unref();
  }

  private finish(): void {
    clearTimeout(this.closeTimer);
    this.state = 'closed';
    if (this.emittedClose) return;
    this.emittedClose = true;
    const c = this.peerClose;
    const normal = c && (c.code === 1000 || c.code === 1001 || c.code === 1005);
    const err = this.error ?? (c && !normal ? new Error(`websocket closed with code ${c.code}${c.reason ? `: ${c.reason}` : ''}`) : undefined);
    this.emit('close', err);
  }
}

/**
 * Detaches ws from the socket it upgraded, so that every byte from now on is
 * read here. Called synchronously where ws hands the socket over (its 'open' /
 * upgrade callback), before any frame can have reached ws's own reader.
 */
function takeSocketFromWs(raw: Socket, wsBuffered: number): void {
  if (wsBuffered > 0) throw new Error('websocket bytes reached ws before adit took the socket over');
  for (const [event, name] of Object.entries(WS_SOCKET_LISTENERS)) {
    for (const fn of raw.listeners(event)) if ((fn as { name?: string }).name === name) raw.removeListener(event, fn as () => void);
  }
  if (raw.listenerCount('data') !== 0) throw new Error('could not detach ws from its socket (unknown ws version?)');
  // Removing ws's listener does not stop a flowing socket: hold the bytes until adit's reader is attached.
  raw.pause();
}

export function wsTransport(ws: WebSocket): WsTransport {
  return new WsTransport(ws);
}
