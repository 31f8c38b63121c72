/** 1-byte ping-pong over one persistent connection; every round trip timed. */
import net from 'node:net';
import { percentileSorted } from '../stats.js';

export interface LatencyResult {
  samples: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** The round trips of one ping-pong, in the order they were made. */
export interface RoundTrips {
  /** Each round trip's length, µs. */
  us: number[];
  /** When each one began (epoch ms), if asked for. */
  startedAt?: number[];
}

/**
 * A 1-byte ping-pong over one connection to 127.0.0.1:port: `warmup` round trips, then `samples`
 * timed ones (fewer if `maxMs` runs out). `keepStarts` also records when each began.
 */
export function pingPong(port: number, samples: number, warmup: number, maxMs: number, keepStarts = false): Promise<RoundTrips> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const rtts: number[] = [];
    const starts: number[] | undefined = keepStarts ? [] : undefined;
    const one = Buffer.from([0x2a]);
    let sent = 0n;
    let n = 0;
    let deadline = 0;
    let pending = 0;
    // Epoch ms of hrtime 0, so that a start is converted only when kept.
    const epochOfHrtime = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
    const fire = () => {
      sent = process.hrtime.bigint();
      pending = 1;
      s.write(one);
    };
    s.on('connect', () => {
      deadline = Date.now() + maxMs;
      fire();
    });
    s.on('data', (d) => {
      // An echo may come back split or coalesced; count bytes, one request is outstanding at a time.
      pending -= d.length;
      if (pending > 0) return;
      const now = process.hrtime.bigint();
      if (n++ >= warmup) {
        rtts.push(Number(now - sent) / 1000);
        starts?.push(epochOfHrtime + Number(sent) / 1e6);
      }
      if (rtts.length >= samples || Date.now() > deadline) {
        s.destroy();
        if (rtts.length === 0) return reject(new Error('no latency samples'));
        resolve({ us: rtts, startedAt: starts });
        return;
      }
      fire();
    });
    s.on('error', reject);
    s.on('end', () => reject(new Error('connection ended during latency run')));
  });
}

export async function runLatency(port: number, samples: number, warmup: number, maxMs: number): Promise<LatencyResult> {
  const rtts = (await pingPong(port, samples, warmup, maxMs)).us.sort((a, b) => a - b);
  return {
    samples: rtts.length,
    p50Us: percentileSorted(rtts, 50),
    p99Us: percentileSorted(rtts, 99),
    p999Us: percentileSorted(rtts, 99.9),
    maxUs: rtts[rtts.length - 1],
  };
}
