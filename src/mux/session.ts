import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import {
  AditError, ErrorCode, Flag, FrameDecoder, FrameType, PROTOCOL_VERSION, WireCode,
  encodeAccept, encodeGoaway, encodeHeader, encodeHello, encodeOpen, encodePing, encodeRst, encodeWindow,
  errorCodeForWire, protocolError, wireCodeName,
  type ControlFrame, type FrameHandler, type Hello, type OpenMeta,
} from '../protocol/index.js';
import { resolveOptions, type ResolvedSessionOptions, type SessionOptions } from './config.js';
import { Fifo } from './fifo.js';
import { MuxStream, type StreamHost } from './stream.js';
import type { Transport } from './transport.js';
import { TurnBudget } from './turn-budget.js';

export interface SessionStats {
  bytesIn: number;
  bytesOut: number;
  streamsOpened: number;
  streamsAccepted: number;
  streamsRefused: number;
}

/**
 * Windows are sized from the smallest RTT seen, which is the path without
 * queueing. On loopback that is tens of microseconds, less than a busy event
 * loop takes to answer, hence the floor.
 */
const MIN_FLOW_RTT_MS = 0.25;
/**
 * A stream alone on the session sizes its window from at least this RTT, and
 * "alone" means no other stream moved DATA for SOLO_AFTER_MS. A loaded event
 * loop answers later than the idle path's RTT, so windows sized from the
 * latter hold a lone bulk stream below what the path carries; with nothing
 * else on the session, the extra bytes in flight delay nobody.
 */
const SOLO_FLOW_RTT_MS = 1;
const SOLO_AFTER_MS = 100;
/** The smallest RTT is forgotten over this period, so a changed path is noticed. */
const RTT_MIN_PERIOD_MS = 60_000;
const RTT_PROBE_MS = 1000;
const EARLY_PINGS = 4;

/**
 * A multiplexed session over one Transport. Either side may open streams; the
 * initiator uses odd ids, the acceptor even ones. See docs/protocol.md.
 *
 * Events: 'hello' (Hello), 'stream' (MuxStream), 'goaway' ({code, reason}),
 * 'rtt' (ms), 'close' (err?).
 */
export class Session extends EventEmitter implements StreamHost, FrameHandler {
  readonly options: ResolvedSessionOptions;
  readonly stats: SessionStats = { bytesIn: 0, bytesOut: 0, streamsOpened: 0, streamsAccepted: 0, streamsRefused: 0 };
  rtt: number | undefined;
  peerHello: Hello | undefined;

  private readonly transport: Transport;
  private readonly decoder: FrameDecoder;
  private readonly streams = new Map<number, MuxStream>();
  private readonly ready = new Fifo<MuxStream>();
  private nextLocalId: number;
  private lastPeerId = 0;
  private committed = 0;
  private blocked = false;
  private pumping = false;
  private pumpScheduled = false;
  private controlCorked = false;
  /** DATA sent this turn; once it is spent the pump waits for the turn's end, which resumes it. */
  private readonly turn = new TurnBudget(() => {
    if (!this.pumpScheduled) return;
    this.pumpScheduled = false;
    this.pump();
  });
  private closed = false;
  private closeError: Error | undefined;
  private goawaySent = false;
  private goawayReceived: { lastStreamId: number; code: number; reason: string } | undefined;
  private helloSent = false;
  private lastReceived: number;
  private readonly pings = new Map<string, { at: number; resolve: (rtt: number) => void; reject: (err: Error) => void }>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private drainWaiters: (() => void)[] = [];
  /** The stream that last moved DATA (either way), when, and until when the session counts as shared. */
  private lastDataStream = 0;
  private lastDataAt = -Infinity;
  private sharedUntil = -Infinity;
  private currentData: MuxStream | undefined;
  private readonly rttMin = { current: Infinity, previous: Infinity, since: 0 };

  constructor(transport: Transport, options: SessionOptions) {
    super();
    this.options = resolveOptions(options);
    this.transport = transport;
    this.nextLocalId = this.options.role === 'initiator' ? 1 : 2;
    this.decoder = new FrameDecoder(this, {});
    this.lastReceived = this.options.now();
    transport.on('data', (chunk: Buffer) => this.onTransportData(chunk));
    transport.on('drain', () => { this.blocked = false; this.pump(); });
    transport.on('close', (err?: Error) => this.onTransportClose(err));
    this.startKeepalive();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends our HELLO. Both sides send exactly one, before anything but PING/GOAWAY. */
  sendHello(hello: Omit<Hello, 'v'> & { v?: number }): void {
    if (this.helloSent || this.closed) return;
    this.helloSent = true;
    this.writeControl(encodeHello({ ...hello, v: hello.v ?? PROTOCOL_VERSION }));
    this.earlyPing();
  }

  /** Opens a stream to the peer. It emits 'accept' once the peer accepted, or errors with the refusal. */
  open(meta: OpenMeta): MuxStream {
    const id = this.nextLocalId;
    const refusal = this.openRefusal();
    const window = refusal ? undefined : this.chooseWindow();
    const s = new MuxStream(this, id, meta, true, window ?? 0, this.options.streamHighWaterMark);
    if (window === undefined) {
      const err = refusal ?? new AditError(ErrorCode.BUDGET, 'session memory budget exhausted', WireCode.RESOURCE_EXHAUSTED);
      s.state = 'closed';
      process.nextTick(() => s.destroy(err));
      return s;
    }
    this.nextLocalId += 2;
    this.streams.set(id, s);
    this.stats.streamsOpened++;
    this.writeControl(encodeOpen(id, window, meta));
    return s;
  }

  /** Measures the round trip. Resolves with milliseconds; rejects if the session closes first. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(this.closeError ?? new AditError(ErrorCode.SESSION_CLOSED, 'session is closed'));
    return new Promise((resolve, reject) => {
      const opaque = randomBytes(8);
      this.pings.set(opaque.toString('hex'), { at: this.options.now(), resolve, reject });
      this.writeControl(encodePing(opaque, false));
    });
  }

  /**
   * Graceful close: GOAWAY, then wait for open streams to finish (up to
   * `drainTimeoutMs`), reset what is left, and close the transport.
   */
  close(drainTimeoutMs = 30_000, reason = 'closing'): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once('close', () => resolve()));
    this.goaway(WireCode.NO_ERROR, reason);
    if (this.streams.size === 0) {
      this.finishClose();
    } else {
      const timer = setTimeout(() => {
        const err = new AditError(ErrorCode.GOAWAY, 'session drain timed out', WireCode.GOING_AWAY);
        for (const s of [...this.streams.values()]) { s.resetCode = WireCode.GOING_AWAY; s.destroy(err); }
        this.finishClose();
      }, drainTimeoutMs);
      timer.unref();
      this.drainWaiters.push(() => { clearTimeout(timer); this.finishClose(); });
    }
    return done;
  }

  /** Tells the peer to open no more streams. Streams already open go on. */
  goaway(code: number = WireCode.NO_ERROR, reason = ''): void {
    if (this.goawaySent || this.closed) return;
    this.goawaySent = true;
    this.writeControl(encodeGoaway(this.lastPeerId, code, reason));
  }

  /** Abrupt close. Every open stream errors; none ends cleanly. */
  destroy(err?: Error): void {
    if (this.closed) return;
    this.teardown(err ?? new AditError(ErrorCode.SESSION_CLOSED, 'session destroyed'));
    this.transport.destroy();
  }

  // ---- StreamHost ----

  get maxWindow(): number {
    return this.options.maxWindow;
  }

  now(): number {
    return this.options.now();
  }

  flowRtt(shared: boolean): number {
    const min = Math.min(this.rttMin.current, this.rttMin.previous);
    const rtt = Math.max(Number.isFinite(min) ? min : MIN_FLOW_RTT_MS, MIN_FLOW_RTT_MS);
    return shared ? rtt : Math.max(rtt, SOLO_FLOW_RTT_MS);
  }

  shared(streamId: number, now: number): boolean {
    return this.lastDataStream !== streamId || now < this.sharedUntil;
  }

  /** Called for every DATA frame with payload, sent or received, with a clock reading the caller already has. */
  private noteData(streamId: number, now: number): void {
    if (streamId !== this.lastDataStream) {
      // Taking over from a stream that moved DATA lately is sharing; after a quiet spell it is not.
      if (now - this.lastDataAt < SOLO_AFTER_MS) this.sharedUntil = now + SOLO_AFTER_MS;
      this.lastDataStream = streamId;
    }
    this.lastDataAt = now;
  }

  reserveWindow(bytes: number): boolean {
    // Growth only spends the first half of the budget; see chooseWindow.
    if (this.committed + bytes > this.options.memoryBudget / 2) return false;
    this.committed += bytes;
    return true;
  }

  releaseWindow(bytes: number): void {
    this.committed -= bytes;
  }

  markReady(s: MuxStream): void {
    if (s.inReady || this.closed) return;
    s.inReady = true;
    this.ready.push(s);
    this.schedulePump();
  }

  sendWindow(streamId: number, increment: number): void {
    this.writeControl(encodeWindow(streamId, increment));
  }

  sendAccept(streamId: number, window: number): void {
    this.stats.streamsAccepted++;
    this.writeControl(encodeAccept(streamId, window));
  }

  noteRefused(): void {
    this.stats.streamsRefused++;
  }

  sendRst(streamId: number, code: number, reason: string): void {
    if (this.closed) return;
    this.writeControl(encodeRst(streamId, code, reason));
  }

  release(s: MuxStream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.committed -= s.windowSize;
    s.windowSize = 0;
    if (this.streams.size === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  // ---- FrameHandler (called by the decoder) ----

  dataStart(streamId: number, length: number): void {
    // Frames behind a fatal one in the same chunk are dropped: the session is gone.
    if (this.closed) { this.currentData = undefined; return; }
    this.requireHello('DATA');
    const s = this.streams.get(streamId);
    this.currentData = undefined;
    if (!s) {
      if (!this.isKnownId(streamId)) throw protocolError(`DATA on stream ${streamId}, which was never opened`);
      return; // stream already gone; late data is dropped
    }
    if (s.finReceived) throw protocolError(`DATA on stream ${streamId} after FIN`, WireCode.STREAM_CLOSED);
    if (length > s.recvWindow) {
      throw protocolError(`stream ${streamId} sent ${length} bytes with only ${s.recvWindow} of credit`, WireCode.FLOW_CONTROL_ERROR);
    }
    s.recvWindow -= length;
    this.stats.bytesIn += length;
    if (length > 0) this.noteData(streamId, this.lastReceived);
    this.currentData = s;
  }

  data(_streamId: number, chunk: Buffer): void {
    this.currentData?.onData(chunk);
  }

  dataEnd(_streamId: number, flags: number): void {
    const s = this.currentData;
    this.currentData = undefined;
    if (s && (flags & Flag.FIN) !== 0) s.onFin();
  }

  control(f: ControlFrame): void {
    if (this.closed) return;
    switch (f.type) {
      case FrameType.HELLO: return this.onHello(f.hello);
      case FrameType.PING:
        if (!f.ack) { this.writeControl(encodePing(f.opaque, true)); return; }
        return this.onPong(f.opaque);
      case FrameType.GOAWAY: return this.onGoaway(f.lastStreamId, f.code, f.reason);
      default: break;
    }
    this.requireHello('stream frames');
    switch (f.type) {
      case FrameType.OPEN: return this.onOpen(f.streamId, f.window, f.meta);
      case FrameType.ACCEPT: {
        const s = this.streams.get(f.streamId);
        if (!s) { if (!this.isKnownId(f.streamId)) throw protocolError(`ACCEPT for unknown stream ${f.streamId}`); return; }
        if (!s.locallyOpened || s.state !== 'opening') throw protocolError(`ACCEPT for stream ${f.streamId} in state ${s.state}`);
        if (f.window > 0x7fff_ffff) throw protocolError('ACCEPT window over 2^31-1', WireCode.FLOW_CONTROL_ERROR);
        return s.onAccepted(f.window);
      }
      case FrameType.RST: {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        const refused = s.state === 'opening';
        const what = refused ? 'stream refused by peer' : 'stream reset by peer';
        const msg = `${what}: ${wireCodeName(f.code)}${f.reason ? `: ${f.reason}` : ''}`;
        return s.onReset(new AditError(errorCodeForWire(f.code), msg, f.code));
      }
      case FrameType.WINDOW: {
        if (f.streamId === 0) throw protocolError('WINDOW on stream 0 is not defined in version 1');
        const s = this.streams.get(f.streamId);
        if (!s) { if (!this.isKnownId(f.streamId)) throw protocolError(`WINDOW for unknown stream ${f.streamId}`); return; }
        if (s.sendCredit + f.increment > 0x7fff_ffff) throw protocolError('credit over 2^31-1', WireCode.FLOW_CONTROL_ERROR);
        return s.addCredit(f.increment);
      }
    }
  }

  // ---- internals ----

  private onTransportData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastReceived = this.options.now();
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.fail(err instanceof AditError ? err : protocolError(`internal error handling a frame: ${(err as Error).message}`, WireCode.INTERNAL_ERROR));
    }
  }

  private onHello(hello: Hello): void {
    if (this.peerHello) throw protocolError('second HELLO');
    this.peerHello = hello;
    if (hello.v !== PROTOCOL_VERSION) {
      this.fail(new AditError('ADIT_ERR_UNSUPPORTED_VERSION', `peer speaks protocol version ${hello.v}, this side ${PROTOCOL_VERSION}`, WireCode.UNSUPPORTED_VERSION));
      return;
    }
    this.emit('hello', hello);
    this.earlyPing();
  }

  /**
   * RTT samples taken once both HELLOs are out, while the path is still idle,
   * size the windows. A few in a row: the first answer of a fresh process is
   * slowed by its own warm-up.
   */
  private earlyPing(): void {
    if (!this.helloSent || !this.peerHello || this.closed) return;
    let left = EARLY_PINGS;
    const next = (): void => { if (--left > 0 && !this.closed) this.ping().then(next, () => {}); };
    this.ping().then(next, () => {});
  }


  private onOpen(id: number, window: number, meta: OpenMeta): void {
    const peerParity = this.options.role === 'initiator' ? 0 : 1;
    if (id % 2 !== peerParity) throw protocolError(`peer opened stream ${id} with this side's parity`);
    if (id <= this.lastPeerId) throw protocolError(`peer reused or went back to stream id ${id}`);
    if (window > 0x7fff_ffff) throw protocolError('OPEN window over 2^31-1', WireCode.FLOW_CONTROL_ERROR);
    this.lastPeerId = id;
    const refusal = this.goawaySent ? WireCode.GOING_AWAY
      : this.streams.size >= this.options.maxStreams ? WireCode.STREAM_LIMIT
      : this.listenerCount('stream') === 0 ? WireCode.NO_ROUTE
      : undefined;
    const ourWindow = refusal === undefined ? this.chooseWindow() : 0;
    if (refusal !== undefined || ourWindow === undefined) {
      this.stats.streamsRefused++;
      const code = refusal ?? WireCode.RESOURCE_EXHAUSTED;
      this.writeControl(encodeRst(id, code, code === WireCode.RESOURCE_EXHAUSTED ? 'session memory budget exhausted' : ''));
      return;
    }
    const s = new MuxStream(this, id, meta, false, ourWindow, this.options.streamHighWaterMark);
    s.sendCredit = window;
    this.streams.set(id, s);
    this.emit('stream', s);
  }

  private onPong(opaque: Buffer): void {
    const key = opaque.toString('hex');
    const p = this.pings.get(key);
    if (!p) return; // unsolicited pongs are harmless
    this.pings.delete(key);
    const now = this.options.now();
    this.rtt = now - p.at;
    if (now - this.rttMin.since > RTT_MIN_PERIOD_MS) {
      this.rttMin.previous = this.rttMin.current;
      this.rttMin.current = Infinity;
      this.rttMin.since = now;
    }
    this.rttMin.current = Math.min(this.rttMin.current, this.rtt);
    this.emit('rtt', this.rtt);
    p.resolve(this.rtt);
  }

  private onGoaway(lastStreamId: number, code: number, reason: string): void {
    this.goawayReceived = { lastStreamId, code, reason };
    // Streams we opened above lastStreamId were never seen by the peer.
    for (const s of [...this.streams.values()]) {
      if (s.locallyOpened && s.id > lastStreamId) {
        s.onReset(new AditError(ErrorCode.GOAWAY, 'peer is going away; stream was not processed', WireCode.GOING_AWAY));
      }
    }
    this.emit('goaway', { code, reason });
    if (code !== WireCode.NO_ERROR) {
      this.teardown(new AditError(errorCodeForWire(code), `peer closed the session: ${wireCodeName(code)}${reason ? `: ${reason}` : ''}`, code));
      this.transport.destroy();
    }
  }

  /**
   * Picks the receive window for a new stream. The first half of the budget
   * serves full initial windows and window growth; the second half is kept for
   * minimal windows, so a session full of big streams still admits new ones.
   * Undefined when even a minimal window does not fit: the stream is refused.
   */
  private chooseWindow(): number | undefined {
    const { initialWindow, minWindow, memoryBudget } = this.options;
    const w = this.committed + initialWindow <= memoryBudget / 2 ? initialWindow
      : this.committed + minWindow <= memoryBudget ? minWindow
      : undefined;
    if (w !== undefined) this.committed += w;
    return w;
  }

  /** Why this side may not open a stream now, if it may not (the budget is checked after). */
  private openRefusal(): Error | undefined {
    if (this.closed) return this.closeError ?? new AditError(ErrorCode.SESSION_CLOSED, 'session is closed');
    if (this.goawaySent || this.goawayReceived) return new AditError(ErrorCode.GOAWAY, 'session is going away', WireCode.GOING_AWAY);
    if (this.streams.size >= this.options.maxStreams) return new AditError(ErrorCode.STREAM_LIMIT, `stream limit ${this.options.maxStreams} reached`, WireCode.STREAM_LIMIT);
    if (this.nextLocalId > 0xffff_ffff) return new AditError(ErrorCode.STREAM_LIMIT, 'stream ids exhausted', WireCode.STREAM_LIMIT);
    return undefined;
  }

  private isKnownId(id: number): boolean {
    const ours = (id % 2 === 1) === (this.options.role === 'initiator');
    return ours ? id < this.nextLocalId : id <= this.lastPeerId;
  }

  private requireHello(what: string): void {
    if (!this.peerHello) throw protocolError(`${what} before HELLO`);
  }

  private writeControl(frame: Buffer): void {
    if (this.closed) return;
    // Control frames made in one tick (an ACCEPT, a WINDOW, the OPENs of a burst) and any DATA the
    // pump adds go out in one system call at the tick's end, not one or two calls per frame.
    if (!this.controlCorked) {
      this.controlCorked = true;
      this.transport.cork();
      process.nextTick(this.uncorkControl);
    }
    if (!this.transport.write(frame)) this.blocked = true;
    if (this.transport.bufferedBytes > this.options.maxTransportBuffer) {
      this.fail(new AditError(ErrorCode.SLOW_PEER, `peer is not reading: ${this.transport.bufferedBytes} bytes queued`, WireCode.INTERNAL_ERROR));
    }
  }

  private readonly uncorkControl = (): void => {
    this.controlCorked = false;
    this.transport.uncork();
  };

  private schedulePump(): void {
    if (this.pumpScheduled || this.pumping || this.blocked) return;
    this.pumpScheduled = true;
    if (this.turn.spent) return; // the turn's end runs the pump
    process.nextTick(() => { this.pumpScheduled = false; this.pump(); });
  }

  /** Round-robin: one bounded DATA frame per ready stream per turn, until the transport pushes back. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    this.transport.cork();
    try {
      const max = this.options.maxFrame;
      const now = this.options.now();
      while (!this.blocked && this.ready.length > 0) {
        if (this.turn.spent) {
          this.pumpScheduled = true; // resumed at the turn's end
          break;
        }
        const s = this.ready.shift()!;
        s.inReady = false;
        if (!s.hasSendable() || s.destroyed) continue;
        const { payload, fin } = s.takeFrame(max);
        const len = payload ? payload.length : 0;
        this.stats.bytesOut += len;
        if (len > 0) { this.turn.spend(len); this.noteData(s.id, now); }
        const header = encodeHeader(FrameType.DATA, fin ? Flag.FIN : 0, s.id, len);
        if (!(payload ? this.transport.write(header, payload) : this.transport.write(header))) this.blocked = true;
        if (fin) s.afterFinSent();
        if (s.hasSendable() && !s.inReady) { s.inReady = true; this.ready.push(s); }
      }
    } finally {
      this.transport.uncork();
      this.pumping = false;
    }
  }

  private startKeepalive(): void {
    const { keepaliveInterval, keepaliveTimeout } = this.options;
    if (keepaliveInterval <= 0) return;
    const period = Math.max(10, Math.min(RTT_PROBE_MS, keepaliveInterval, Math.floor(keepaliveTimeout / 4)));
    let pingOutstandingSince = -1;
    let lastProbe = this.options.now();
    this.keepaliveTimer = setInterval(() => {
      const now = this.options.now();
      const idle = now - this.lastReceived;
      if (idle >= keepaliveTimeout) {
        this.fail(new AditError(ErrorCode.DEAD_PEER, `no frame from the peer for ${Math.round(idle)} ms`, WireCode.DEAD_PEER));
        return;
      }
      if (idle >= keepaliveInterval && (pingOutstandingSince < 0 || now - pingOutstandingSince >= keepaliveInterval)) {
        pingOutstandingSince = now;
        this.ping().then(() => { pingOutstandingSince = -1; }, () => {});
      } else if (now - lastProbe >= RTT_PROBE_MS) {
        // Sample the RTT every second (one tiny frame): the smallest sample,
        // often taken between bursts, is what windows are sized from, and a
        // lone early sample can be inflated by a busy start.
        lastProbe = now;
        this.ping().catch(() => {});
      }
    }, period);
    this.keepaliveTimer.unref();
  }

  /** Protocol or liveness failure: tell the peer why (best effort) and tear down. */
  private fail(err: AditError): void {
    if (this.closed) return;
    if (err.wireCode !== undefined && err.wireCode !== WireCode.DEAD_PEER) {
      try { this.transport.write(encodeGoaway(this.lastPeerId, err.wireCode, err.message)); } catch { /* transport already gone */ }
    }
    this.teardown(err);
    if (err.wireCode === WireCode.DEAD_PEER) this.transport.destroy(); else this.transport.close();
  }

  private finishClose(): void {
    if (this.closed) return;
    this.teardown(undefined);
    this.transport.close();
  }

  private onTransportClose(err?: Error): void {
    if (this.closed) return;
    const e = new AditError(ErrorCode.TRANSPORT_CLOSED, `connection to the peer closed${err ? `: ${err.message}` : ''}`);
    this.teardown(e);
  }

  /** Marks the session closed, errors every stream (never a clean end), stops timers, emits 'close' once. */
  private teardown(err: Error | undefined): void {
    this.closed = true;
    this.closeError = err;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.ready.clear();
    const streamErr = err ?? new AditError(ErrorCode.SESSION_CLOSED, 'session closed');
    for (const s of [...this.streams.values()]) {
      s.state = 'closed';
      s.destroy(streamErr);
    }
    this.streams.clear();
    this.committed = 0;
    const pings = [...this.pings.values()];
    this.pings.clear();
    for (const p of pings) p.reject(streamErr);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    process.nextTick(() => this.emit('close', err));
  }
}
