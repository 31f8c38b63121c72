/**
 * Fault: a partition between router and cloud (iptables DROP: packets vanish, no
 * RST, no ICMP). Both sides must notice within the keepalive bound, the server
 * must free the client's port, and the tunnel must come back after the heal.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { createNatTopology, heal, partition, skipUnlessNetns, spawnAditIn, DialError, type NatTopology } from '../netns/index.js';
import { report } from './harness.js';

const skip = skipUnlessNetns();
const TOKEN = 'partition-token-0d5a71';
const KEEPALIVE_TIMEOUT_MS = 3000;
const KEEPALIVE = ['--keepalive-interval', '1s', '--keepalive-timeout', `${KEEPALIVE_TIMEOUT_MS}ms`];
let topo: NatTopology | undefined;

after(async () => {
  await topo?.destroy();
});

async function echoOnce(t: NatTopology, text: string): Promise<string> {
  const s: net.Socket = await t.dial('cloud', t.addr.cloud, 7000);
  s.end(text);
  let got = '';
  for await (const c of s) got += String(c);
  return got;
}

test('partition: both sides detect it within the keepalive bound and recover after the heal', { skip, timeout: 60_000 }, async (t) => {
  topo = await createNatTopology();
  const echo = await topo.listen('home', 0, (s) => s.pipe(s), '127.0.0.1');
  t.after(() => echo.close());
  const server = spawnAditIn(topo, 'cloud', ['server', '--token', TOKEN, '--control-port', '8123', '--port', '0', '--admin-addr', '127.0.0.1', '--admin-port', '9090', ...KEEPALIVE]);
  await server.waitLog((l) => l.msg === 'adit server listening');
  const client = spawnAditIn(topo, 'home', [
    'client', '--url', `ws://${topo.addr.cloud}:8123/tunnel`, '--insecure', '--token', TOKEN, '--id', 'home', '--admin-addr', '127.0.0.1', '--admin-port', '9091',
    '--upstream', `tcp:7000=127.0.0.1:${echo.port}`, ...KEEPALIVE,
  ]);
  await client.waitLog((l) => l.msg === 'connected', 15_000);
  assert.equal(await echoOnce(topo, 'before'), 'before');

  const cutAt = Date.now();
  await partition(topo);
  const serverSaw = await server.waitLog((l) => l.msg === 'client disconnected', KEEPALIVE_TIMEOUT_MS + 5000, cutAt);
  const clientSaw = await client.waitLog((l) => l.msg === 'session ended', KEEPALIVE_TIMEOUT_MS + 5000, cutAt);
  const serverMs = Number(serverSaw.time) - cutAt;
  const clientMs = Number(clientSaw.time) - cutAt;
  // The port is released: a visitor is refused at once instead of hanging.
  await assert.rejects(topo.dial('cloud', topo.addr.cloud, 7000, { timeoutMs: 1000 }), (e: unknown) => e instanceof DialError && e.code === 'ECONNREFUSED');
  // Hold the partition a little longer, so the client is in its reconnect loop with attempts that go nowhere.
  await new Promise((r) => setTimeout(r, 2000));

  const healAt = Date.now();
  await heal(topo);
  const back = await client.waitLog((l) => l.msg === 'connected', 30_000, healAt);
  const recoverMs = Number(back.time) - healAt;
  assert.equal(await echoOnce(topo, 'after'), 'after');

  report(t, 'partition', { keepaliveTimeoutMs: KEEPALIVE_TIMEOUT_MS, serverDetectedMs: serverMs, clientDetectedMs: clientMs, serverReason: serverSaw.reason, clientReason: clientSaw.reason, recoveredAfterHealMs: recoverMs });
  // The keepalive timer ticks every timeout/4; allow one tick plus 0.5 s of scheduling slack on a loaded machine.
  const bound = KEEPALIVE_TIMEOUT_MS * 1.25 + 500;
  assert.ok(serverMs <= bound, `server noticed after ${serverMs} ms (bound ${bound})`);
  assert.ok(clientMs <= bound, `client noticed after ${clientMs} ms (bound ${bound})`);
  assert.ok(serverMs >= KEEPALIVE_TIMEOUT_MS - 1100 && clientMs >= KEEPALIVE_TIMEOUT_MS - 1100, 'detection came from the keepalive, not from a reset');
});
