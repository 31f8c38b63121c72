import test from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBudget } from '../../src/mux/turn-budget.js';

test('small amounts arm no turn end; 128 KiB in one turn is spent until the turn ends', async () => {
  let ends = 0;
  const b = new TurnBudget(() => ends++);
  for (let i = 0; i < 100; i++) assert.equal(b.spend(100), false);
  await nextTurn();
  assert.equal(ends, 0, '10,000 bytes arm nothing');
  assert.equal(b.spend(64 * 1024), false);
  assert.equal(b.spend(64 * 1024), true, 'over 128 KiB this turn');
  assert.equal(b.spent, true);
  await nextTurn();
  assert.equal(ends, 1);
  assert.equal(b.spent, false, 'a new turn counts afresh');
  assert.equal(b.spend(64 * 1024), false);
});
