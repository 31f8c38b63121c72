/**
 * Long fuzzing run of the properties the CI test runs briefly.
 *   npm run fuzz -- [--minutes N] [--seed S]
 * Time is split evenly over the properties; each runs until its share is used.
 * Prints the seed so a failure can be replayed with --seed.
 */
import { decoderProperties } from '../reliability/fuzz/decoder-props.js';
import { sessionCoverage, sessionProperties } from '../reliability/fuzz/session-props.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`--${name} needs a number`);
    process.exit(2);
  }
  return v;
}

const minutes = arg('minutes', 5);
const seed = arg('seed', Date.now() & 0x7fffffff);
const all = [...decoderProperties, ...sessionProperties];
const share = Math.max(1000, Math.floor((minutes * 60_000) / all.length));
console.log(`fuzz: ${all.length} properties, ${(share / 1000).toFixed(0)} s each, seed ${seed}`);

let failed = false;
for (const p of all) {
  const t0 = performance.now();
  let runs = 0;
  try {
    await p.check({ numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: share, markInterruptAsFailure: false, seed, reporter: (d) => { runs = d.numRuns; if (d.failed) throw new Error(d.counterexample ? `counterexample ${JSON.stringify(d.counterexample)}: ${String(d.errorInstance)}` : String(d.errorInstance)); } });
    console.log(`ok   ${p.name}: ${runs} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    failed = true;
    console.log(`FAIL ${p.name}: ${(err as Error).message}`);
  }
}
console.log(`session coverage: ${JSON.stringify(sessionCoverage)}`);
process.exit(failed ? 1 : 0);
