/**
 * The relays' GC tuning, in a child process: incremental marking goes off
 * within a fraction of a second of a busy event loop (not after start-up
 * alone), and comes back after 5 idle seconds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/cli/gc-tuning.js', import.meta.url));

/**
 * Runs the tuning in a child: 700 ms quiet, 1.5 s of a busy loop (20 ms slices), then idle until
 * marking is back on (at most `idleMs`; a loaded machine's timers can break a run of idle ticks).
 */
function runChild(env: NodeJS.ProcessEnv = {}, idleMs = 20_000): Promise<{ switches: { marking: boolean; at: number }[]; busyFrom: number; busyTo: number }> {
  const script = `
    import { tuneGcForRelay } from ${JSON.stringify(MODULE)};
    const t0 = performance.now();
    const switches = [];
    let backOn;
    const on = new Promise((r) => (backOn = r));
    tuneGcForRelay((marking) => {
      switches.push({ marking, at: performance.now() - t0 });
      if (marking) backOn();
    });
    await new Promise((r) => setTimeout(r, 700));
    const busyFrom = performance.now() - t0;
    while (performance.now() - t0 < busyFrom + 1500) {
      const slice = performance.now();
      while (performance.now() - slice < 20);
      await new Promise((r) => setImmediate(r));
    }
    const busyTo = performance.now() - t0;
    let timer;
    await Promise.race([on, new Promise((r) => (timer = setTimeout(r, ${idleMs})))]);
    clearTimeout(timer);
    process.stdout.write(JSON.stringify({ switches, busyFrom, busyTo }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('GC tuning for the relays', { timeout: 60_000 }, () => {
  it('switches incremental marking off soon after the loop gets busy, and on after 5 idle seconds', async () => {
    const { switches, busyFrom, busyTo } = await runChild();
    assert.equal(switches.length, 2, JSON.stringify(switches));
    const [off, on] = switches as [{ marking: boolean; at: number }, { marking: boolean; at: number }];
    assert.equal(off.marking, false);
    assert.ok(off.at > busyFrom, `start-up alone switched it off (at ${off.at} ms, busy from ${busyFrom})`);
    assert.ok(off.at - busyFrom < 1000, `off ${Math.round(off.at - busyFrom)} ms after the loop got busy`);
    assert.equal(on.marking, true);
    assert.ok(on.at - busyTo >= 4900, `back on ${Math.round(on.at - busyTo)} ms after the loop went idle`);
  });

  it('does nothing with ADIT_GC_TUNING=off', async () => {
    const { switches } = await runChild({ ADIT_GC_TUNING: 'off' }, 6000);
    assert.deepEqual(switches, []);
  });
});
