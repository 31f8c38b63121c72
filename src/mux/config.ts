/** Session limits. Every one has a safe default; see docs/protocol.md "Limits". */
export interface SessionOptions {
  /** 'initiator' opened the transport (the adit client) and uses odd stream ids; 'acceptor' uses even ids. */
  role: 'initiator' | 'acceptor';
  /** Receive window each new stream starts with. */
  initialWindow?: number;
  /** Smallest receive window a stream is given when the session budget is tight. */
  minWindow?: number;
  /** A stream's receive window grows with measured throughput up to this. */
  maxWindow?: number;
  /** Total receive windows of all streams may not exceed this (bytes). Bounds the session's buffered memory. */
  memoryBudget?: number;
  /** Largest DATA payload this side sends. */
  maxFrame?: number;
  /** Concurrent streams the peer may open; more are refused with STREAM_LIMIT. */
  maxStreams?: number;
  /** Send a PING when nothing has been received for this long (ms). 0 disables keepalive. */
  keepaliveInterval?: number;
  /** Declare the peer dead when nothing at all has been received for this long (ms). */
  keepaliveTimeout?: number;
  /** Destroy the session when this many bytes wait unsent in the transport (a peer that does not read). */
  maxTransportBuffer?: number;
  /** Writable high-water mark of each stream (bytes). */
  streamHighWaterMark?: number;
  /** Clock for RTT and keepalive (ms). Tests inject a fake. */
  now?: () => number;
}

export type ResolvedSessionOptions = Required<SessionOptions>;

export const DEFAULTS: Omit<ResolvedSessionOptions, 'role'> = {
  initialWindow: 256 * 1024,
  minWindow: 8 * 1024,
  maxWindow: 16 * 1024 * 1024,
  memoryBudget: 256 * 1024 * 1024,
  maxFrame: 64 * 1024,
  maxStreams: 16_384,
  keepaliveInterval: 10_000,
  keepaliveTimeout: 30_000,
  maxTransportBuffer: 64 * 1024 * 1024,
  streamHighWaterMark: 128 * 1024,
  now: () => performance.now(),
};

export function resolveOptions(o: SessionOptions): ResolvedSessionOptions {
  const r = { ...DEFAULTS, ...stripUndefined(o) } as ResolvedSessionOptions;
  const positive: (keyof ResolvedSessionOptions)[] = ['initialWindow', 'minWindow', 'maxWindow', 'memoryBudget', 'maxFrame', 'maxStreams', 'maxTransportBuffer', 'streamHighWaterMark'];
  for (const k of positive) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`session option ${k} must be a positive integer, got ${String(v)}`);
  }
  if (r.maxFrame > 65_536) throw new RangeError(`session option maxFrame must be at most 65536, got ${r.maxFrame}`);
  if (r.minWindow > r.initialWindow || r.initialWindow > r.maxWindow) {
    throw new RangeError('session options need minWindow <= initialWindow <= maxWindow');
  }
  if (r.maxWindow > 0x7fff_ffff) throw new RangeError('session option maxWindow must fit in 31 bits');
  if (r.keepaliveInterval > 0 && r.keepaliveTimeout <= r.keepaliveInterval) {
    throw new RangeError('session option keepaliveTimeout must be longer than keepaliveInterval');
  }
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
