/** Opens many connections, proves each reaches the far end with one echoed byte, then holds them open. */
import net from 'node:net';

export interface IdleResult {
  opened: number;
  failed: number;
  firstError?: string;
  openMs: number;
}

export function openIdle(port: number, count: number, concurrency: number, sockets: net.Socket[]): Promise<IdleResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    let launched = 0;
    let settled = 0;
    let failed = 0;
    let firstError: string | undefined;
    const next = () => {
      if (launched >= count) {
        if (settled === count) resolve({ opened: count - failed, failed, firstError, openMs: performance.now() - start });
        return;
      }
      launched++;
      const s = net.connect({ port, host: '127.0.0.1' });
      let done = false;
      const settle = (err?: string) => {
        if (done) return;
        done = true;
        settled++;
        if (err) {
          failed++;
          firstError ??= err;
          s.destroy();
        } else sockets.push(s);
        next();
      };
      s.on('connect', () => s.write('i'));
      s.once('data', () => settle());
      s.on('error', (e: NodeJS.ErrnoException) => settle(e.code ?? e.message));
      s.on('close', () => settle('closed'));
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) next();
    if (count === 0) resolve({ opened: 0, failed: 0, openMs: 0 });
  });
}
