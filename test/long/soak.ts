/**
 * Long soak: opens and closes up to 100k connections through a real adit
 * server and client (mixed sizes, both directions, 10 % aborted midway) and
 * prints RSS, heap and open fds of both over time.
 *   npm run soak -- --minutes N [--connections 100000] [--concurrency 32] [--sample-seconds 10]
 * It stops at whichever limit comes first, then compares an idle, fully
 * garbage-collected reading with the one taken after warm-up.
 */
import { stopAll } from '../helpers/adit.js';
import { formatSample, Soak } from '../reliability/soak/engine.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`--${name} needs a positive number`);
    process.exit(2);
  }
  return v;
}

const minutes = arg('minutes', 10);
const connections = arg('connections', 100_000);
const concurrency = arg('concurrency', 32);
const sampleSeconds = arg('sample-seconds', 10);

const soak = new Soak();
let code = 1;
try {
  await soak.start();
  console.log(`soak: up to ${connections} connections or ${minutes} min, ${concurrency} at a time`);
  await soak.run({ connections: 500, maxMs: 60_000, concurrency, sampleEveryMs: 3_600_000, abortRatio: 0.1 });
  const baseline = await soak.settledSample(500, 0);
  console.log(`baseline ${formatSample(baseline)}`);
  const r = await soak.run({ connections, maxMs: minutes * 60_000, concurrency, sampleEveryMs: sampleSeconds * 1000, abortRatio: 0.1, log: (l) => console.log(l) });
  const final = await soak.settledSample(r.connections, r.ms);
  console.log(`final    ${formatSample(final)}`);
  const rate = r.connections / (r.ms / 1000);
  console.log(`connections ${r.connections} (${rate.toFixed(0)}/s): ${r.completed} complete, ${r.aborted} aborted on purpose, ${r.failures.length} failed; ${(r.bytes / 1048576).toFixed(0)} MiB verified`);
  for (const f of r.failures.slice(0, 10)) console.log(`failed: ${JSON.stringify(f)}`);
  const fdsBack = final.server.fds <= baseline.server.fds + 2 && final.client.fds <= baseline.client.fds + 2;
  const heapGrowth = (side: 'server' | 'client') => final[side].heapUsed - baseline[side].heapUsed;
  console.log(`fds back to baseline: ${fdsBack ? 'yes' : 'NO'}; heap growth after GC: server ${(heapGrowth('server') / 1048576).toFixed(1)} MiB, client ${(heapGrowth('client') / 1048576).toFixed(1)} MiB; streams left open: ${final.serverStreams}`);
  code = r.failures.length === 0 && fdsBack && final.serverStreams === 0 ? 0 : 1;
} catch (err) {
  console.error(err);
} finally {
  await soak.stop();
  await stopAll();
}
process.exit(code);
