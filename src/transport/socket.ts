import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Transport } from '../mux/transport.js';
import { TRANSPORT_HIGH_WATER } from './ws.js';

/** Carries a session over a plain TCP (or TLS) socket: the frame stream is the byte stream. */
export class SocketTransport extends EventEmitter implements Transport {
  readonly remote: string;
  private closed = false;

  constructor(private readonly socket: Socket) {
    super();
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('drain', () => this.emit('drain'));
    let error: Error | undefined;
    socket.on('error', (err) => { error = err; });
    socket.on('end', () => socket.end());
    socket.on('close', () => this.finish(error));
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  write(header: Buffer, payload?: Buffer): boolean {
    if (this.socket.destroyed) return false;
    this.socket.write(header);
    if (payload !== undefined) this.socket.write(payload);
    return this.socket.writableLength < TRANSPORT_HIGH_WATER;
  }

  cork(): void { this.socket.cork(); }
  uncork(): void { this.socket.uncork(); }
  close(): void { this.socket.end(); }
  destroy(err?: Error): void { this.socket.destroy(err); }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', err);
  }
}

export function socketTransport(socket: Socket): Transport {
  return new SocketTransport(socket);
}
