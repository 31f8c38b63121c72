/**
 * Slows down failed authentication per source address. The first failure is
 * answered at once (typos happen); each further failure within the window
 * doubles the wait before the 401, up to max. Clock injected for tests.
 */
export interface ThrottleOptions {
  base?: number;
  max?: number;
  /** Failures older than this are forgotten (ms). */
  window?: number;
  /** Addresses tracked at most; the oldest are dropped first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  last: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly base: number;
  private readonly max: number;
  private readonly window: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(o: ThrottleOptions = {}) {
    this.base = o.base ?? 250;
    this.max = o.max ?? 10_000;
    this.window = o.window ?? 10 * 60_000;
    this.maxEntries = o.maxEntries ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** Records a failure from addr and returns how long to wait before answering it (ms). */
  failure(addr: string): number {
    const t = this.now();
    let e = this.entries.get(addr);
    if (e && t - e.last > this.window) e = undefined;
    const failures = (e?.failures ?? 0) + 1;
    this.entries.delete(addr); // re-insert: Map order doubles as LRU order
    this.entries.set(addr, { failures, last: t });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return failures <= 1 ? 0 : Math.min(this.max, this.base * 2 ** (failures - 2));
  }

  /** A success clears the address's record. */
  success(addr: string): void {
    this.entries.delete(addr);
  }

  get tracked(): number {
    return this.entries.size;
  }
}
