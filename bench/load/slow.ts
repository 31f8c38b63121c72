/**
 * Slow reader: visitor A stops reading mid-transfer while visitor B keeps reading from the same
 * kind of endless source. Measures B alone first, then B beside the stalled A.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Reads from the source for durationMs and returns bytes per second. */
function drain(port: number, durationMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let bytes = 0;
    let start = 0;
    s.on('connect', () => {
      start = performance.now();
      setTimeout(() => {
        const ms = performance.now() - start;
        s.destroy();
        resolve((bytes / ms) * 1000);
      }, durationMs);
    });
    s.on('data', (d) => (bytes += d.length));
    s.on('error', reject);
  });
}

/** Connects, reads `first` bytes, then stops reading for good (the socket stays open). */
function stall(port: number, first: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let got = 0;
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= first) {
        s.pause();
        s.off('data', onData);
        resolve(s);
      }
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

export interface SlowResult {
  soloBps: number;
  besideStalledBps: number;
}

export async function runSlowReader(port: number, durationMs: number, settleMs: number, emit: (event: string) => void): Promise<SlowResult> {
  // Warm up first (JIT, window growth), or the solo run starts cold and the comparison flatters the tunnel.
  await drain(port, Math.min(1000, durationMs / 2));
  emit('solo-begin');
  const soloBps = await drain(port, durationMs);
  emit('solo-end');
  await sleep(300);
  emit('stall-begin');
  const a = await stall(port, 1 << 20);
  // Let every buffer between the source and the stalled reader fill up before measuring B.
  await sleep(settleMs);
  emit('stalled');
  const besideStalledBps = await drain(port, durationMs);
  emit('stall-end');
  a.destroy();
  return { soloBps, besideStalledBps };
}
