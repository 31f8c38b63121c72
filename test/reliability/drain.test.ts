/**
 * Fault: SIGTERM on the server during 100 active transfers (downloads and
 * uploads, half of them too slow to finish in the drain timeout). Each must
 * either complete intact or be reset; none may end cleanly with missing bytes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { hashServer } from '../helpers/net.js';
import { closeServer, listen, report } from './harness.js';
import { download, sourceServer, upload, type Outcome } from '../helpers/traffic.js';

const TOKEN = 'drain-token-c41d07';
const DRAIN_MS = 3000;
const EACH = 25;

after(stopAll);

test('SIGTERM during 100 transfers: each completes or is reset, none truncated', { timeout: 60_000 }, async (t) => {
  const source = sourceServer();
  const sink = hashServer();
  const sourcePort = await listen(source);
  const sinkPort = await listen(sink);
  t.after(() => Promise.all([closeServer(source), closeServer(sink)]));
  const server = await startServer({ token: TOKEN, args: ['--drain-timeout', `${DRAIN_MS}ms`] });
  const down = await freePort();
  const up = await freePort();
  await startClient({ url: server.url, token: TOKEN, upstreams: [`tcp:${down}=127.0.0.1:${sourcePort}`, `tcp:${up}=127.0.0.1:${sinkPort}`] });

  // Fast: 1 MiB in 16 paced chunks (~0.8 s). Slow: 32 MiB at 64 KiB / 40 ms (~20 s): cannot finish in the drain.
  const fastBytes = 1024 * 1024;
  const slowBytes = 32 * 1024 * 1024;
  const transfers: { kind: string; done: Promise<Outcome> }[] = [];
  const starts: Promise<void>[] = [];
  for (let i = 0; i < EACH; i++) {
    for (const [kind, h] of [
      ['fast-down', download(down, fastBytes, 100 + i, 50)],
      ['slow-down', download(down, slowBytes, 200 + i, 40)],
      ['fast-up', upload(up, fastBytes, 300 + i, 50)],
      ['slow-up', upload(up, slowBytes, 400 + i, 40)],
    ] as const) {
      transfers.push({ kind, done: h.done });
      starts.push(h.started);
    }
  }
  await Promise.all(starts);
  await new Promise((r) => setTimeout(r, 200));
  const termAt = performance.now();
  server.proc.kill('SIGTERM');
  const exit = await server.exited;
  const exitMs = performance.now() - termAt;
  const outcomes = await Promise.all(transfers.map(async (x) => ({ kind: x.kind, o: await x.done })));

  const tally: Record<string, Record<string, number>> = {};
  for (const { kind, o } of outcomes) {
    tally[kind] ??= { complete: 0, reset: 0, truncated: 0 };
    tally[kind]![o.kind]!++;
  }
  report(t, 'graceful drain', { transfers: outcomes.length, drainTimeoutMs: DRAIN_MS, serverExitMs: Math.round(exitMs), exitCode: exit.code, tally });
  const truncated = outcomes.filter(({ o }) => o.kind === 'truncated');
  assert.equal(truncated.length, 0, `silently truncated: ${JSON.stringify(truncated.slice(0, 5))}`);
  assert.equal(exit.code, 0);
  assert.ok(exitMs <= DRAIN_MS + 1500, `server exited ${exitMs.toFixed(0)} ms after SIGTERM (drain timeout ${DRAIN_MS})`);
  // The fast half had time to finish inside the drain; the slow half could not.
  assert.equal(tally['fast-down']!.complete + tally['fast-up']!.complete, 2 * EACH, JSON.stringify(tally));
  assert.equal(tally['slow-down']!.reset + tally['slow-up']!.reset, 2 * EACH, JSON.stringify(tally));
});
