import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSpells } from '../../bench/tools/spells.js';

/** Round trips back to back, each starting when the one before ended. */
function series(lengthsUs: number[]): { t: number; us: number }[] {
  let t = 0;
  return lengthsUs.map((us) => { const r = { t, us }; t += us / 1000; return r; });
}

test('scattered slow round trips make no spell', () => {
  const lengths = Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? 900 : 100));
  assert.deepEqual(findSpells(series(lengths), 300), []);
});

test('a stretch of slow round trips is one spell, with its length and median', () => {
  const lengths = [...Array(2000).fill(100), ...Array(120).fill(500), ...Array(2000).fill(100)];
  const rtts = series(lengths);
  const spells = findSpells(rtts, 300);
  assert.equal(spells.length, 1);
  assert.equal(spells[0]!.n, 120);
  assert.equal(spells[0]!.medianUs, 500);
  assert.equal(spells[0]!.start, rtts[2000]!.t);
  assert.equal(spells[0]!.end, rtts[2119]!.t);
});

test('two stretches far apart are two spells; one interrupted by a single fast round trip stays one', () => {
  const fast = (n: number) => Array(n).fill(100);
  const slow = (n: number) => Array(n).fill(600);
  assert.equal(findSpells(series([...fast(1000), ...slow(80), ...fast(1000), ...slow(80), ...fast(1000)]), 300).length, 2);
  const one = findSpells(series([...fast(1000), ...slow(60), 100, ...slow(60), ...fast(1000)]), 300);
  assert.equal(one.length, 1);
  assert.equal(one[0]!.n, 120);
});

test('a spell shorter than the window ends at its last slow round trip', () => {
  const rtts = series([...Array(1000).fill(100), ...Array(35).fill(500), ...Array(1000).fill(100)]);
  const spells = findSpells(rtts, 300);
  assert.equal(spells.length, 1);
  assert.equal(spells[0]!.n, 35);
  assert.equal(spells[0]!.end, rtts[1034]!.t);
});
