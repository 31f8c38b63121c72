/** New TCP connections per second, each one request byte and one response byte, fixed concurrency. */
import net from 'node:net';

export interface ConnRateResult {
  perSec: number;
  completed: number;
  errors: number;
  firstError?: string;
  durationMs: number;
}

/** Connections started during the warm-up (JIT, caches, tunnel pools) are not counted. */
export function runConnRate(port: number, concurrency: number, durationMs: number, warmupMs: number): Promise<ConnRateResult> {
  return new Promise((resolve) => {
    let completed = 0;
    let errors = 0;
    let firstError: string | undefined;
    let active = concurrency;
    const start = performance.now() + warmupMs;
    const end = start + durationMs;
    const one = (): void => {
      if (performance.now() >= end) {
        if (--active === 0) {
          const ms = performance.now() - start;
          resolve({ perSec: (completed / ms) * 1000, completed, errors, firstError, durationMs: ms });
        }
        return;
      }
      const counted = performance.now() >= start;
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
      let got = false;
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        s.destroy();
        if (err || !got) {
          errors++;
          firstError ??= err ? ((err as NodeJS.ErrnoException).code ?? err.message) : 'closed without a response';
        } else if (counted) completed++;
        setImmediate(one);
      };
      s.on('connect', () => s.write('q'));
      s.on('data', () => (got = true));
      // The response is complete when the far side ends: a request/response, then close.
      s.on('end', () => finish());
      s.on('error', (e) => finish(e));
      s.on('close', () => finish());
    };
    for (let i = 0; i < concurrency; i++) one();
  });
}
