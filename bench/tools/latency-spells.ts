/**
 * Where an unloaded p99 comes from: the bench's 1-byte ping-pong with every round trip kept, beside a
 * sampler of the named processes' main threads (/proc/<pid>/schedstat every 2 ms, in a worker thread
 * so that it never holds up the ping-pong's event loop).
 *   node dist/bench/tools/latency-spells.js PORT name=PID … [--rounds N] [--samples N] [--gap-ms MS]
 * Per round: p50/p99, how many round trips were slow (over 3 × the round's p50), how many of those
 * fell in spells (20 ms windows in which most round trips were slow), and for each process its time
 * on a CPU and waiting for one per wake-up, inside the spells and outside.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pingPong } from '../load/latency.js';
import { percentileSorted, sorted } from '../stats.js';
import { findSpells, type Spell } from './spells.js';

interface Sample { t: number; cpuNs: number[]; waitNs: number[]; slices: number[] }

if (!isMainThread) sampleSchedstat(workerData as number[]);
else await main();

/** Worker: one schedstat row per 2 ms until told to stop, then all rows back to the main thread. */
function sampleSchedstat(pids: number[]): void {
  const rows: Sample[] = [];
  let stopped = false;
  parentPort!.once('message', () => (stopped = true));
  const tick = () => {
    const s: Sample = { t: performance.timeOrigin + performance.now(), cpuNs: [], waitNs: [], slices: [] };
    for (const pid of pids) {
      const [cpu, wait, slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      s.cpuNs.push(cpu!); s.waitNs.push(wait!); s.slices.push(slices!);
    }
    rows.push(s);
    if (stopped) parentPort!.postMessage(rows);
    else setTimeout(tick, 2);
  };
  tick();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, samples: { type: 'string', default: '10000' }, 'gap-ms': { type: 'string', default: '1000' } },
    allowPositionals: true,
  });
  const [port, ...procs] = positionals;
  if (!port || procs.some((p) => !/^[\w.-]+=\d+$/.test(p))) throw new Error('usage: latency-spells PORT name=PID … [--rounds N] [--samples N] [--gap-ms MS]');
  const names = procs.map((p) => p.split('=')[0]!);
  const pids = procs.map((p) => Number(p.split('=')[1]));
  for (const [k, pid] of pids.entries()) if (!existsSync(`/proc/${pid}/schedstat`)) throw new Error(`${names[k]}: no process ${pid}`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: pids });
    await new Promise((r) => setTimeout(r, 50));
    const rtts = await roundTrips(Number(port), Number(values.samples));
    const rows = await new Promise<Sample[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject); // a process that exited: its schedstat is gone
      worker.postMessage('stop');
    });
    await worker.terminate();
    console.log(JSON.stringify(report(round, rtts, rows, names)));
    await new Promise((r) => setTimeout(r, Number(values['gap-ms'])));
  }
}

/** The bench's ping-pong, each round trip as its start (epoch ms) and length (µs). */
async function roundTrips(port: number, samples: number): Promise<{ t: number; us: number }[]> {
  const { us, startedAt } = await pingPong(port, samples, 200, 10 * 60_000, true);
  return us.map((x, i) => ({ t: startedAt![i]!, us: x }));
}

function report(round: number, rtts: { t: number; us: number }[], rows: Sample[], names: string[]) {
  const asc = sorted(rtts.map((r) => r.us));
  const p50 = percentileSorted(asc, 50);
  const slowUs = 3 * p50;
  const spells = findSpells(rtts, slowUs);
  const inSpell = (t: number) => spells.some((s) => t >= s.start && t <= s.end);
  const t0 = rtts[0]!.t;
  return {
    round,
    p50Us: Math.round(p50),
    p99Us: Math.round(percentileSorted(asc, 99)),
    slowOverUs: Math.round(slowUs),
    slow: rtts.filter((r) => r.us > slowUs).length,
    slowInSpells: rtts.filter((r) => r.us > slowUs && inSpell(r.t)).length,
    spells: spells.map((s: Spell) => `${Math.round(s.start - t0)} ms +${Math.round(s.end - s.start)} ms: ${s.n} round trips, median ${Math.round(s.medianUs)} µs`),
    perWakeUp: Object.fromEntries(names.map((name, k) => [name, {
      inSpells: perWakeUp(rows, k, inSpell),
      outside: perWakeUp(rows, k, (t) => !inSpell(t) && t >= t0 && t <= rtts[rtts.length - 1]!.t),
    }])),
  };
}

/** µs on a CPU and µs waiting for one, per time slice, over the sample intervals that end at a time `keep` accepts. */
function perWakeUp(rows: Sample[], k: number, keep: (t: number) => boolean): string {
  let cpu = 0, wait = 0, slices = 0;
  for (let i = 1; i < rows.length; i++) {
    if (!keep(rows[i]!.t)) continue;
    cpu += rows[i]!.cpuNs[k]! - rows[i - 1]!.cpuNs[k]!;
    wait += rows[i]!.waitNs[k]! - rows[i - 1]!.waitNs[k]!;
    slices += rows[i]!.slices[k]! - rows[i - 1]!.slices[k]!;
  }
  return slices === 0 ? '–' : `cpu ${(cpu / slices / 1000).toFixed(0)} µs, wait ${(wait / slices / 1000).toFixed(0)} µs`;
}
