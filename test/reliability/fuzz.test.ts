/**
 * Hostile input, in process and fast: at least 100k fast-check cases over the
 * frame decoder and the session (see fuzz/). `npm run fuzz` runs the same
 * properties for as long as you like.
 */
import { test } from 'node:test';
import { decoderProperties } from './fuzz/decoder-props.js';
import { sessionCoverage, sessionProperties } from './fuzz/session-props.js';

const total = [...decoderProperties, ...sessionProperties].reduce((n, p) => n + p.runs, 0);

test(`fuzz budget is at least 100k cases (${total})`, () => {
  if (total < 100_000) throw new Error(`only ${total} cases`);
});

for (const p of decoderProperties) {
  test(`decoder: ${p.name} (${p.runs} runs)`, { timeout: 120_000 }, () => {
    return p.check({ numRuns: p.runs });
  });
}

for (const p of sessionProperties) {
  test(`session: ${p.name} (${p.runs} runs)`, { timeout: 180_000 }, async (t) => {
    await p.check({ numRuns: p.runs });
    const c = sessionCoverage;
    t.diagnostic(`coverage: ${JSON.stringify(c)}`);
    // Not vacuous: many cases got streams opened, data delivered, clean FIN ends, and fatal closes.
    if (c.peerStreams < c.cases / 2 || c.cleanEnds < c.cases / 20 || c.closed < c.cases / 10 || c.bytesDelivered < c.cases * 100) {
      throw new Error(`fuzz cases too shallow: ${JSON.stringify(c)}`);
    }
  });
}
