/**
 * The relay's malloc tuning moves glibc's thresholds: observed through the
 * main arena ([heap] in /proc/self/maps) of a fresh process. Before it, 8 MiB
 * buffers are mapped on their own; after it they come from the heap, which
 * also means that freed ones stay there instead of being trimmed and faulted in again.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/cli/malloc-tuning.js', import.meta.url));
const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

/** MiB the main arena grew by while three 8 MiB buffers were allocated, in a child that tuned first or not. */
function heapGrowthMiB(tune: boolean, env: NodeJS.ProcessEnv = {}): number {
  const script = `
    import { readFileSync } from 'node:fs';
    import { tuneMallocForRelay } from ${JSON.stringify(MODULE)};
    const heap = () => {
      const line = readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.endsWith('[heap]'));
      const [a, b] = line.split(' ')[0].split('-');
      return parseInt(b, 16) - parseInt(a, 16);
    };
    if (${tune}) tuneMallocForRelay(process.env);
    const before = heap();
    const held = [1, 2, 3].map((i) => Buffer.allocUnsafeSlow(8 << 20).fill(i));
    process.stdout.write(String((heap() - before) / 1048576));
    held.length = 0;
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

describe('malloc tuning for the relays', { skip: !glibc && 'malloc is not glibc here' }, () => {
  it('makes glibc serve 8 MiB buffers from the heap, which it maps apart by default', () => {
    assert.ok(heapGrowthMiB(false) < 8, 'untuned: 8 MiB buffers should be mapped apart');
    assert.ok(heapGrowthMiB(true) >= 24, 'tuned: the three buffers should come from the heap');
  });

  it('is off with ADIT_MALLOC_TUNING=off', () => {
    assert.ok(heapGrowthMiB(true, { ADIT_MALLOC_TUNING: 'off' }) < 8);
  });
});
