/**
 * The Linkerd fixtures are copied into test/fixtures/linkerd so the tests run
 * without ../shared; when ../shared is there, the copies must not drift.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fixturesDir, sharedFixturesDir } from './link-support.js';

it('test/fixtures/linkerd equals ../shared/fixtures/linkerd', (t) => {
  if (!existsSync(sharedFixturesDir)) {
    t.skip(`${sharedFixturesDir} is not there (checkout without ../shared)`);
    return;
  }
  const shared = readdirSync(sharedFixturesDir).sort();
  assert.deepEqual(readdirSync(fixturesDir).sort(), shared, 'same file names');
  for (const name of shared) {
    assert.ok(readFileSync(join(fixturesDir, name)).equals(readFileSync(join(sharedFixturesDir, name))), `${name} differs from ../shared`);
  }
});
