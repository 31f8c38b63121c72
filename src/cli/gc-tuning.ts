import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';

/** Event-loop utilisation above which a second counts as carrying traffic. */
const BUSY_ELU = 0.05;
/** Busy seconds in a row before incremental marking goes off (start-up alone must not count). */
const BUSY_SECONDS = 2;
/** Seconds in a row below it before incremental marking comes back (V8's memory reducer needs it). */
const IDLE_SECONDS = 5;

/**
 * Turns V8's incremental marking off while a long-running relay (server or
 * client) carries traffic, and back on once it has been idle for a few seconds,
 * unless the operator opted out (ADIT_GC_TUNING=off) or gave node an
 * incremental-marking flag themselves.
 *
 * Why: after a burst of connections (18,000 in 3 s in the bench's scenario 6)
 * V8 started incremental marking every ~60 ms during bulk transfers although
 * the old generation stayed at ~9 MB: 13-18 full collections a second in both
 * processes, a quarter of the throughput gone and the p99 of an interactive
 * stream beside a bulk one doubled (docs/benchmarks.md). Without incremental
 * marking, full collections run only when the old generation is really full.
 * But V8's memory reducer, which gives an idle process's young generation back
 * (about 5 MiB of RSS here), works through incremental marking: so it is off
 * only while busy. V8 reads the flag whenever it would start marking.
 */
export function tuneGcForRelay(): void {
  if (process.env.ADIT_GC_TUNING === 'off' || process.execArgv.some((a) => /incremental[-_]marking/.test(a))) return;
  let last = performance.eventLoopUtilization();
  let marking = true;
  let idleFor = 0;
  let busyFor = 0;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization > BUSY_ELU;
    last = now;
    idleFor = busy ? 0 : idleFor + 1;
    busyFor = busy ? busyFor + 1 : 0;
    if (busyFor >= BUSY_SECONDS && marking) {
      v8.setFlagsFromString('--no-incremental-marking');
      marking = false;
    } else if (!marking && idleFor >= IDLE_SECONDS) {
      v8.setFlagsFromString('--incremental-marking');
      marking = true;
    }
  }, 1000).unref();
}
