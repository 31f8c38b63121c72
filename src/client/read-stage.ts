import type { OnReadOpts, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { PremaskedSlab } from '../transport/ws-premask.js';

/** Node's own read size: one read never brings more. */
const READ_BYTES = 64 * 1024;

/** The stage's one slab, reused from its start whenever nothing staged is referenced any more. */
const SLAB_BYTES = 256 * 1024;

/**
 * The buffer every staged socket of the process reads into. Reads never
 * overlap (each one's callback runs before libuv reads again), and each is
 * copied out in its callback, so one buffer serves them all.
 */
let sharedReadBuffer: Buffer | undefined;

/**
 * Where the client's target sockets put what they read, on its way into the
 * tunnel. Node gives every socket read a fresh 64 KiB buffer: memory the cache
 * has not seen, so the kernel's copy into it costs more than the copy itself
 * should (perf, reverse bulk: the kernel's copy to user space took 19 % of a
 * relay's cycles into fresh buffers, 11 % into one reused buffer). Here the
 * kernel writes into one shared buffer and each read is copied into a slab that
 * is reused from its start as soon as the session has framed every staged byte
 * and handed it to the kernel: both copies stay in warm memory. Over plain ws
 * the copy also masks (transport/ws-premask.ts), so no second pass is needed.
 *
 * A read that finds the slab still referenced and full gets a buffer of its
 * own, as Node would have given it: the slab never grows, and nothing staged
 * is overwritten while a stream's queue or the transport still points into it.
 */
export class ReadStage {
  private slab = Buffer.allocUnsafe(0);
  private offset = 0;
  /** Streams written from the slab since it was last reused: each may still queue slab bytes until it has framed them. */
  private readonly holders = new Set<Writable>();

  /**
   * `flushed`: true when the transport under the streams holds no byte it was given (the kernel took them all).
   * `premask`: the transport's, when it masks: then each read is masked as it is copied.
   */
  constructor(private readonly flushed: () => boolean, private readonly premask?: PremaskedSlab) {}

  /**
   * net.connect()'s `onread` for a socket whose bytes are written to `stream`
   * by its 'data' listeners: each read is copied out of the shared buffer and
   * emitted as the socket's 'data', so the socket reads like any other.
   */
  readsFor(stream: Writable, socket: () => Socket): OnReadOpts {
    sharedReadBuffer ??= Buffer.allocUnsafe(READ_BYTES);
    return {
      buffer: sharedReadBuffer,
      callback: (n, buf) => {
        socket().emit('data', this.copy(buf, n, stream));
        return true; // a listener that must wait pauses the socket itself
      },
    };
  }

  private copy(from: Uint8Array, n: number, stream: Writable): Buffer {
    if (this.offset > 0 && this.released()) {
      this.offset = 0;
      this.premask?.reset();
    }
    if (this.slab.length === 0) this.slab = Buffer.allocUnsafe(SLAB_BYTES);
    if (this.offset + n > this.slab.length) return Buffer.from(from.subarray(0, n));
    const out = this.slab.subarray(this.offset, this.offset + n);
    if (this.premask) this.premask.stage(from, n, this.slab, this.offset);
    else out.set(from.subarray(0, n));
    this.offset += n;
    this.holders.add(stream);
    return out;
  }

  /** Nothing staged is referenced: every holder framed all it was written (or is gone) and the transport flushed. */
  private released(): boolean {
    if (!this.flushed()) return false;
    for (const s of this.holders) {
      if (s.writableLength > 0 && !s.destroyed) return false;
      this.holders.delete(s);
    }
    return true;
  }
}
