import { EventEmitter } from 'node:events';
import type { Transport } from '../mux/transport.js';

const HIGH_WATER = 1024 * 1024;

/**
 * An in-process transport pair for tests and fuzzing. Delivery is
 * asynchronous (setImmediate), and `blackhole()` makes one side silently stop
 * delivering, which is how a dead peer looks from the other end.
 */
export class MemoryTransport extends EventEmitter implements Transport {
  readonly remote = 'memory';
  peer!: MemoryTransport;
  private queue: Buffer[] = [];
  private queued = 0;
  private scheduled = false;
  private corked = 0;
  private closed = false;
  private dropping = false;

  get bufferedBytes(): number {
    return this.queued;
  }

  write(header: Buffer, payload?: Buffer): boolean {
    if (this.closed) return false;
    this.queue.push(Buffer.from(header));
    this.queued += header.length;
    if (payload) { this.queue.push(Buffer.from(payload)); this.queued += payload.length; }
    if (this.corked === 0) this.schedule();
    return this.queued < HIGH_WATER;
  }

  cork(): void { this.corked++; }
  uncork(): void { if (this.corked > 0 && --this.corked === 0) this.schedule(); }

  /** From now on, everything written here is dropped (the far side sees silence). */
  blackhole(): void { this.dropping = true; }

  close(): void {
    setImmediate(() => { this.flush(); this.shut(); this.peer.shut(); });
  }

  destroy(): void {
    this.queue = [];
    this.queued = 0;
    this.shut();
    setImmediate(() => this.peer.shut());
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.flush(); });
  }

  private flush(): void {
    const chunks = this.queue;
    this.queue = [];
    const had = this.queued;
    this.queued = 0;
    if (!this.dropping && !this.peer.closed) for (const c of chunks) this.peer.emit('data', c);
    if (had >= HIGH_WATER && !this.closed) this.emit('drain');
  }

  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

export function memoryTransportPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
