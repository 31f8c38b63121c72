import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';

/** How often the event loop's utilisation is sampled. */
const TICK_MS = 100;
/** Utilisation above which a tick counts as carrying traffic (a bulk stream or a connection burst keeps it near 1). */
const BUSY_ELU = 0.5;
/** Busy ticks in a row before incremental marking goes off: long enough that start-up alone never counts. */
const BUSY_TICKS = 3;
/** Utilisation below which a quiet spell counts as idle, over the whole spell (a loaded machine delays single ticks). */
const IDLE_ELU = 0.05;
/** How long a quiet spell lasts before incremental marking comes back (V8's memory reducer needs it). */
const IDLE_MS = 5000;

/**
 * Turns V8's incremental marking off while a long-running relay (server or
 * client) carries traffic, and back on once it has been idle for 5 seconds,
 * unless the operator opted out (ADIT_GC_TUNING=off) or gave node an
 * incremental-marking flag themselves. `onChange` hears each switch.
 *
 * Why: after a burst of connections (18,000 in 3 s in the bench's scenario 6)
 * V8 started incremental marking every ~60 ms during bulk transfers although
 * the old generation stayed at ~9 MB: 13-18 full collections a second in both
 * processes, a quarter of the throughput gone and the p99 of an interactive
 * stream beside a bulk one doubled (docs/benchmarks.md). Without incremental
 * marking, full collections run only when the old generation is really full.
 * But V8's memory reducer, which gives an idle process's young generation back
 * (about 5 MiB of RSS here), works through incremental marking: so it is off
 * only while busy. It goes off within 0.3 s of traffic: a transfer that began
 * after an idle spell ran its first seconds in the storm while this waited
 * for 2 busy seconds (bulk after idle spells, A/B: 5.3-6.0 Gbit/s then,
 * 6.5-7.4 now). V8 reads the flag whenever it would start marking.
 */
export function tuneGcForRelay(onChange?: (marking: boolean) => void): void {
  if (process.env.ADIT_GC_TUNING === 'off' || process.execArgv.some((a) => /incremental[-_]marking/.test(a))) return;
  let last = performance.eventLoopUtilization();
  let quietFrom = last;
  let busyFor = 0;
  let marking = true;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization > BUSY_ELU;
    last = now;
    busyFor = busy ? busyFor + 1 : 0;
    if (busy) quietFrom = now;
    if (marking) {
      if (busyFor < BUSY_TICKS) return;
      v8.setFlagsFromString('--no-incremental-marking');
      marking = false;
      onChange?.(marking);
      return;
    }
    // The spell's idle + active time is its length.
    const quiet = performance.eventLoopUtilization(now, quietFrom);
    if (quiet.idle + quiet.active < IDLE_MS) return;
    if (quiet.utilization < IDLE_ELU) {
      v8.setFlagsFromString('--incremental-marking');
      marking = true;
      onChange?.(marking);
    } else {
      quietFrom = now; // light traffic throughout: judge the next 5 s afresh
    }
  }, TICK_MS).unref();
}
