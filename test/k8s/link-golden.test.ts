/**
 * Golden tests of `adit link patch`, through the real CLI process: each
 * case's stdout must equal its golden file byte for byte, and patching the
 * output again must give the same bytes (idempotence).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PATCH_CASES, type PatchCase } from './link-cases.js';
import { assertGolden, fixture, input, runCli } from './link-support.js';

export function caseInput(c: PatchCase): string {
  const [kind, file] = c.source.split(':');
  return kind === 'fixture' ? fixture(file) : input(file);
}

describe('adit link patch: goldens', { concurrency: 3 }, () => {
  for (const c of PATCH_CASES) {
    it(c.name, async () => {
      const first = await runCli(['link', 'patch', ...c.args], caseInput(c));
      assert.equal(first.code, 0, `exit ${first.code}: ${first.stderr}`);
      assertGolden(c.golden, first.stdout);
      for (const note of c.notes ?? []) assert.ok(first.stderr.includes(note), `stderr lacks "${note}": ${first.stderr}`);
      if (!c.notes) assert.equal(first.stderr, '');

      // Feed the result back, in the output's own format: nothing may change.
      const second = await runCli(['link', 'patch', ...c.args], first.stdout);
      assert.equal(second.code, 0, `second pass exit ${second.code}: ${second.stderr}`);
      assert.equal(second.stdout, first.stdout, 'patching twice changed the output');
    });
  }
});
