/**
 * Capped exponential backoff with full jitter: attempt n waits a random time in
 * [base·2^n / 2, base·2^n], never more than max. Randomness is injected so tests
 * can check the bounds without sleeping.
 */
export interface BackoffOptions {
  /** First delay (ms). */
  min?: number;
  /** Cap (ms). */
  max?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly min: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(o: BackoffOptions = {}) {
    this.min = o.min ?? 250;
    this.max = o.max ?? 30_000;
    this.random = o.random ?? Math.random;
    if (!(this.min > 0) || !(this.max >= this.min)) throw new RangeError('backoff needs 0 < min <= max');
  }

  /** Delay before the next attempt; each call doubles the ceiling until the cap. */
  next(): number {
    const ceiling = Math.min(this.max, this.min * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Half fixed, half random: spreads reconnect storms yet keeps growth visible.
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** After a connection that worked, start again from the smallest delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Resolves after ms unless the signal aborts first (then resolves early). Tests inject their own. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
