/**
 * Short soak for CI: 2,000 connections of mixed sizes through a real server and
 * client, 10 % aborted midway. Afterwards, with the tunnel idle and a full GC
 * forced in both processes, open fds must be back to the baseline and the heap
 * near it; no mux stream may be left open. `npm run soak` is the long version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/adit.js';
import { report } from './harness.js';
import { formatSample, Soak } from './soak/engine.js';

const CONNECTIONS = 2000;

test(`soak: ${CONNECTIONS} connections, fds and heap return to baseline`, { timeout: 180_000 }, async (t) => {
  const soak = new Soak();
  t.after(async () => {
    await soak.stop();
    await stopAll();
  });
  await soak.start();
  const warm = await soak.run({ connections: 300, maxMs: 60_000, concurrency: 16, sampleEveryMs: 60_000, abortRatio: 0.1 });
  assert.equal(warm.failures.length, 0, JSON.stringify(warm.failures.slice(0, 3)));
  const baseline = await soak.settledSample(warm.connections, 0);
  const r = await soak.run({ connections: CONNECTIONS, maxMs: 120_000, concurrency: 16, sampleEveryMs: 2000, abortRatio: 0.1, log: (l) => t.diagnostic(l) });
  const final = await soak.settledSample(r.connections, r.ms);
  t.diagnostic(`baseline ${formatSample(baseline)}`);
  t.diagnostic(`final    ${formatSample(final)}`);
  const peak = (f: (s: (typeof r.samples)[number]) => number): number => Math.max(0, ...r.samples.map(f));
  report(t, 'soak (CI)', {
    connections: r.connections, completed: r.completed, aborted: r.aborted, failures: r.failures.length, seconds: Math.round(r.ms / 100) / 10, mib: Math.round(r.bytes / 1048576),
    serverFds: [baseline.server.fds, peak((s) => s.server.fds), final.server.fds], clientFds: [baseline.client.fds, peak((s) => s.client.fds), final.client.fds],
    serverHeapMiB: [baseline.server.heapUsed, final.server.heapUsed].map((b) => Math.round(b / 104857.6) / 10),
    clientHeapMiB: [baseline.client.heapUsed, final.client.heapUsed].map((b) => Math.round(b / 104857.6) / 10),
    serverRssMiB: [baseline.server.rss, peak((s) => s.server.rss), final.server.rss].map((b) => Math.round(b / 1048576)),
  });
  assert.equal(r.failures.length, 0, `transfers that were not aborted must complete: ${JSON.stringify(r.failures.slice(0, 3))}`);
  assert.equal(r.connections, CONNECTIONS);
  assert.equal(final.serverStreams, 0, 'no stream may outlive its connection');
  assert.ok(peak((s) => s.server.fds) > baseline.server.fds, 'the load really opened descriptors');
  for (const side of ['server', 'client'] as const) {
    assert.ok(final[side].fds <= baseline[side].fds + 2, `${side} fds ${baseline[side].fds} → ${final[side].fds}`);
    const allowed = baseline[side].heapUsed * 1.2 + 4 * 1024 * 1024;
    assert.ok(final[side].heapUsed <= allowed, `${side} heap ${baseline[side].heapUsed} → ${final[side].heapUsed} (allowed ${Math.round(allowed)})`);
  }
});
