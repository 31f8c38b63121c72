import { Duplex } from 'node:stream';
import { AditError, ErrorCode, WireCode, type OpenMeta } from '../protocol/index.js';

/** What a stream needs from its session. Kept narrow so stream.ts does not know the scheduler. */
export interface StreamHost {
  readonly maxWindow: number;
  now(): number;
  /** Whether another stream moved DATA on the session lately: then this one's window queues ahead of theirs. */
  shared(streamId: number, now: number): boolean;
  /** RTT used to size a window (ms): longer for a stream alone on the session. */
  flowRtt(shared: boolean): number;
  /** Try to reserve `bytes` more of the session budget for a window; false when it does not fit. */
  reserveWindow(bytes: number): boolean;
  releaseWindow(bytes: number): void;
  markReady(stream: MuxStream): void;
  sendWindow(streamId: number, increment: number): void;
  sendAccept(streamId: number, window: number): void;
  sendRst(streamId: number, code: number, reason: string): void;
  noteRefused(): void;
  /** The stream is finished in both directions or reset: forget it. */
  release(stream: MuxStream): void;
}

type State = 'opening' | 'pending' | 'open' | 'closed';

interface Pending {
  buf: Buffer;
  off: number;
  cb: ((err?: Error | null) => void) | null;
}

/**
 * One multiplexed connection: a Node Duplex whose writes become DATA frames
 * (within the peer's credit) and whose reads come from DATA frames. end() sends
 * FIN, destroy() sends RST. Credit is returned to the peer only when the local
 * consumer has taken bytes out of the readable side.
 */
export class MuxStream extends Duplex {
  readonly id: number;
  readonly meta: OpenMeta;
  readonly locallyOpened: boolean;
  /** Wire code sent in the RST when this stream is destroyed; defaults by error. */
  resetCode: number | undefined;
  /** Reason text sent with that RST. */
  resetReason = '';

  /** @internal */ state: State;
  /** @internal credit the peer granted us */ sendCredit = 0;
  /** @internal */ queuedBytes = 0;
  /** @internal */ inReady = false;
  /** @internal */ finPending = false;
  /** @internal */ finSent = false;
  /** @internal */ finReceived = false;
  /** @internal credit we granted the peer and it has not used yet */ recvWindow = 0;
  /** @internal our window target (reserved from the session budget) */ windowSize = 0;
  private readonly floorWindow: number;

  private readonly host: StreamHost;
  private readonly queue: Pending[] = [];
  private finCb: ((err?: Error | null) => void) | null = null;
  private readonly inbox: Buffer[] = [];
  private inboxBytes = 0;
  private readWanted = false;
  private ended = false;
  private unacked = 0;
  /** Consumption rate in bytes/ms, -1 until measured; see maybeGrantCredit. */
  private rate = -1;
  private rateBytes = 0;
  private rateSince = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(host: StreamHost, id: number, meta: OpenMeta, locallyOpened: boolean, window: number, highWaterMark: number) {
    super({ allowHalfOpen: true, writableHighWaterMark: highWaterMark, readableHighWaterMark: highWaterMark, decodeStrings: true });
    this.host = host;
    this.id = id;
    this.meta = meta;
    this.locallyOpened = locallyOpened;
    this.state = locallyOpened ? 'opening' : 'pending';
    this.windowSize = window;
    this.floorWindow = window;
    this.recvWindow = locallyOpened ? window : 0; // the acceptor grants its window in ACCEPT
    this.rateSince = host.now();
  }

  get remoteAddress(): string | undefined {
    return typeof this.meta.peer === 'string' ? this.meta.peer : undefined;
  }

  /** Accept a stream the peer opened. Grants our receive window. */
  accept(): void {
    if (this.state !== 'pending') return;
    this.state = 'open';
    this.recvWindow = this.windowSize;
    this.host.sendAccept(this.id, this.windowSize);
    this.emit('accept');
    if (this.queuedBytes > 0 || this.finPending) this.host.markReady(this);
  }

  /** Refuse a stream the peer opened; ends only this stream. */
  refuse(code: number, reason = ''): void {
    if (this.state !== 'pending') return;
    this.resetCode = code;
    this.resetReason = reason;
    this.host.noteRefused();
    this.destroy();
  }

  // Socket look-alikes, so http.Agent and tls.connect({ socket }) accept a stream.
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  setTimeout(ms: number, cb?: () => void): this {
    // Idle timeouts are the application's concern; honour the callback contract of net.Socket loosely.
    if (cb && ms === 0) this.removeListener('timeout', cb);
    return this;
  }
  ref(): this { return this; }
  unref(): this { return this; }

  // ---- called by the session ----

  /** @internal */ onAccepted(window: number): void {
    if (this.state !== 'opening') return;
    this.state = 'open';
    this.sendCredit += window;
    this.emit('accept');
    if (this.queuedBytes > 0 || this.finPending) this.host.markReady(this);
  }

  /** @internal */ addCredit(n: number): void {
    this.sendCredit += n;
    if ((this.queuedBytes > 0 || this.finPending) && this.state === 'open') this.host.markReady(this);
  }

  /** @internal */ onData(chunk: Buffer): void {
    if (this.destroyed) return;
    this.bytesIn += chunk.length;
    if (this.readWanted && this.inboxBytes === 0) {
      this.deliver(chunk);
    } else {
      this.inbox.push(chunk);
      this.inboxBytes += chunk.length;
    }
  }

  /** @internal */ onFin(): void {
    this.finReceived = true;
    if (this.inboxBytes === 0) this.endReadable();
    this.maybeRelease();
  }

  /** @internal */ onReset(err: AditError): void {
    this.resetCode = undefined;
    this.state = 'closed';
    this.destroy(err);
  }

  /**
   * @internal Bytes for the next DATA frame: at most `max`, and never more than
   * what is left of the queue's first chunk, so a frame is always a view of
   * what was written and never a copy (a frame cut short there costs 10 bytes of header).
   */
  takeFrame(max: number): { payload: Buffer | null; fin: boolean } {
    let payload: Buffer | null = null;
    if (this.queuedBytes > 0) {
      const head = this.queue[0]!;
      const n = Math.min(max, this.sendCredit, head.buf.length - head.off);
      if (n > 0) {
        payload = head.buf.subarray(head.off, head.off + n);
        head.off += n;
        if (head.off === head.buf.length) this.completeHead();
        this.sendCredit -= n;
        this.queuedBytes -= n;
        this.bytesOut += n;
      }
    }
    const fin = this.finPending && this.queuedBytes === 0 && !this.finSent;
    if (fin) this.finSent = true;
    return { payload, fin };
  }

  /** @internal Called after takeFrame sent a FIN. */
  afterFinSent(): void {
    const cb = this.finCb;
    this.finCb = null;
    if (cb) cb();
    this.maybeRelease();
  }

  /** @internal */ hasSendable(): boolean {
    if (this.state !== 'open') return false;
    return (this.queuedBytes > 0 && this.sendCredit > 0) || (this.finPending && !this.finSent && this.queuedBytes === 0);
  }

  // ---- Duplex implementation ----

  override _read(): void {
    this.readWanted = true;
    while (this.readWanted && this.inbox.length > 0) {
      const chunk = this.inbox.shift()!;
      this.inboxBytes -= chunk.length;
      this.deliver(chunk);
    }
    if (this.inboxBytes === 0 && this.finReceived) this.endReadable();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.enqueue(chunk, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    for (let i = 0; i < chunks.length; i++) this.enqueue(chunks[i]!.chunk, i === chunks.length - 1 ? cb : null);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.state === 'closed') return cb(new AditError(ErrorCode.SESSION_CLOSED, 'stream is closed'));
    this.finPending = true;
    this.finCb = cb;
    if (this.state === 'open') this.host.markReady(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const wasClosed = this.state === 'closed';
    this.state = 'closed';
    const fullyClosed = this.finSent && this.finReceived;
    if (!wasClosed && !fullyClosed) {
      const code = this.resetCode ?? wireCodeFor(err);
      const reason = this.resetReason || (err && (err as AditError).code !== ErrorCode.CANCELLED ? err.message : '');
      this.host.sendRst(this.id, code, reason);
    }
    if (this.queue.length > 0 || this.finCb) {
      // Built only when someone waits for it: a clean close must not pay for an Error and its stack.
      const failure = err ?? new AditError(ErrorCode.CANCELLED, 'stream destroyed');
      for (const p of this.queue) if (p.cb) p.cb(failure);
      if (this.finCb) { const f = this.finCb; this.finCb = null; f(failure); }
    }
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.inbox.length = 0;
    this.inboxBytes = 0;
    this.host.release(this);
    cb(err);
  }

  // ---- internals ----

  private enqueue(buf: Buffer, cb: ((err?: Error | null) => void) | null): void {
    if (this.state === 'closed') { cb?.(new AditError(ErrorCode.SESSION_CLOSED, 'stream is closed')); return; }
    if (buf.length === 0) { cb?.(); return; }
    this.queue.push({ buf, off: 0, cb });
    this.queuedBytes += buf.length;
    if (this.state === 'open' && this.sendCredit > 0) this.host.markReady(this);
  }

  private completeHead(): void {
    const p = this.queue.shift()!;
    if (p.cb) p.cb();
  }

  private deliver(chunk: Buffer): void {
    this.readWanted = this.push(chunk);
    this.unacked += chunk.length;
    this.rateBytes += chunk.length;
    this.maybeGrantCredit();
  }

  /**
   * Return credit once the consumer took half the window, and resize the
   * window toward what the measured rate needs: rate × 2 × RTT (see
   * docs/protocol.md, 3.1). Bigger only adds queueing delay for every other
   * stream of the session, which is why a stream alone on it is given a
   * longer RTT (flowRtt); smaller stalls this one. It moves at most ×2 up or
   * ÷2 down per update, and never below the window the stream started with.
   */
  private maybeGrantCredit(): void {
    if (this.finReceived || this.state === 'closed') return;
    if (this.unacked < this.windowSize / 2) return;
    const now = this.host.now();
    const shared = this.host.shared(this.id, now);
    const rtt = this.host.flowRtt(shared);
    // Measure the rate over several RTTs: bytes arrive in bursts of whole socket reads.
    if (now - this.rateSince >= 4 * rtt) {
      this.rate = this.rateBytes / (now - this.rateSince);
      this.rateBytes = 0;
      this.rateSince = now;
    }
    const wanted = this.rate < 0 ? this.windowSize * 2 : this.rate * 2 * rtt;
    const target = Math.round(Math.min(this.host.maxWindow, Math.max(this.floorWindow, this.windowSize / 2, Math.min(wanted, this.windowSize * 2))));
    let increment = this.unacked;
    if (target > this.windowSize) {
      if (this.host.reserveWindow(target - this.windowSize)) {
        increment += target - this.windowSize;
        this.windowSize = target;
      }
    } else if (target < this.windowSize && (this.inboxBytes > 0 || shared)) {
      // Shrink while the consumer has a backlog: then a smaller window costs
      // no throughput. A starved consumer means the window (or the sender) is
      // the limit, and shrinking would spiral down; that is still right while
      // other streams share the session, because every byte this window lets
      // through waits in the one connection ahead of theirs (down to the
      // window the stream started with, at most halving per update).
      // Shrink by granting back less than was consumed.
      this.host.releaseWindow(this.windowSize - target);
      increment -= this.windowSize - target;
      this.windowSize = target;
    }
    this.unacked = 0;
    if (increment <= 0) return;
    this.recvWindow += increment;
    this.host.sendWindow(this.id, increment);
  }

  private endReadable(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  private maybeRelease(): void {
    if (this.finSent && this.finReceived && this.state !== 'closed') {
      this.state = 'closed';
      this.host.release(this);
    }
  }
}

function wireCodeFor(err: Error | null): number {
  if (!err) return WireCode.CANCEL;
  const w = (err as AditError).wireCode;
  if (typeof w === 'number') return w;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') return WireCode.CONNECTION_RESET;
  if (code === 'ECONNREFUSED') return WireCode.CONNECT_REFUSED;
  if (code === 'ETIMEDOUT') return WireCode.CONNECT_TIMEOUT;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return WireCode.HOST_UNREACHABLE;
  return WireCode.INTERNAL_ERROR;
}
