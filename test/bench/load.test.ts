import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { echoServer, rrServer } from '../../bench/load/targets.js';
import { runLatency } from '../../bench/load/latency.js';
import { runConnRate } from '../../bench/load/connrate.js';
import { openIdle } from '../../bench/load/idle.js';

function listen(s: net.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)));
}

test('load generators measure real round trips and connections on loopback', { timeout: 20_000 }, async (t) => {
  const echo = echoServer();
  const rr = rrServer();
  t.after(() => {
    echo.close();
    rr.close();
  });
  const echoPort = await listen(echo);
  const rrPort = await listen(rr);

  const lat = await runLatency(echoPort, 500, 20, 5000);
  assert.equal(lat.samples, 500);
  assert.ok(lat.p50Us > 0 && lat.p50Us <= lat.p99Us && lat.p99Us <= lat.p999Us && lat.p999Us <= lat.maxUs);

  const cr = await runConnRate(rrPort, 4, 300, 100);
  assert.equal(cr.errors, 0);
  assert.ok(cr.completed > 0 && cr.perSec > 0);

  const held: net.Socket[] = [];
  const idle = await openIdle(echoPort, 50, 10, held);
  assert.equal(idle.opened, 50);
  assert.equal(held.length, 50);
  for (const s of held) s.destroy();
});

test('the connection-rate generator counts a refused port as errors, never as completions', { timeout: 10_000 }, async () => {
  const s = rrServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  const cr = await runConnRate(port, 2, 200, 0);
  assert.equal(cr.completed, 0);
  assert.ok(cr.errors > 0);
});
