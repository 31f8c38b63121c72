/** Scenarios 3 and 4: 1-byte ping-pong, alone and while an iperf3 bulk stream shares the tunnel. */
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from '../load/driver.js';
import type { LatencyResult } from '../load/latency.js';
import { runIperf } from '../tools/iperf.js';
import type { Scenario } from './types.js';

export const latency: Scenario = {
  id: 's3',
  title: 'Latency, 1-byte request/response',
  appliesTo: () => true,
  async run({ running, profile }) {
    const r = await runLoad<LatencyResult>(
      'latency',
      { port: running.ports.echo, samples: profile.latencySamples, warmup: 200, maxMs: profile.latencyMaxMs },
      profile.latencyMaxMs + 20_000,
    );
    return { 's3.p50': r.p50Us, 's3.p99': r.p99Us, 's3.p999': r.p999Us };
  },
};

export const latencyUnderLoad: Scenario = {
  id: 's4',
  title: 'Latency under load (beside one iperf3 stream)',
  appliesTo: () => true,
  async run({ running, targets, profile, workDir }) {
    // The bulk stream runs longer than the ping-pong so it covers all of it.
    const seconds = Math.ceil(profile.underLoadMs / 1000) + 2;
    const bulk = runIperf({ targetPort: targets.iperf, publicPort: running.ports.iperf, seconds, logDir: workDir });
    bulk.catch(() => undefined);
    await sleep(Math.min(1000, profile.underLoadMs / 2));
    const r = await runLoad<LatencyResult>(
      'latency',
      { port: running.ports.echo, samples: 1_000_000, warmup: 50, maxMs: profile.underLoadMs },
      profile.underLoadMs + 20_000,
    );
    const bps = await bulk;
    return { 's4.p50': r.p50Us, 's4.p99': r.p99Us, 's4.p999': r.p999Us, 's4.n': r.samples, 's4.bulk': bps / 1e9 };
  },
};
