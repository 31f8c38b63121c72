/**
 * Fault: a slow, lossy, distant path. On the router: 1 % random loss (iptables
 * statistic) both ways and a 100 Mbit/s token bucket; in cloud, a relay that
 * holds the control connection's bytes 50 ms each way. A 100 MiB download from
 * home to a visitor in cloud must arrive intact (sha256); throughput is reported.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNatTopology, forwardCounters, setLoss, setRate, skipUnlessNetns, spawnAditIn, type NatTopology } from '../netns/index.js';
import { report } from './harness.js';
import { download, sourceServer } from '../helpers/traffic.js';

const skip = skipUnlessNetns();
const TOKEN = 'slow-lossy-token-6e02b4';
const BYTES = 100 * 1024 * 1024;
const RATE_MBIT = 100;
const LOSS_PERCENT = 1;
const DELAY_MS = 50;
let topo: NatTopology | undefined;

after(async () => {
  await topo?.destroy();
});

test('100 MiB over 1 % loss, 100 Mbit/s and +50 ms each way arrives intact', { skip, timeout: 240_000 }, async (t) => {
  topo = await createNatTopology();
  const source = sourceServer();
  const service = await topo.listen('home', 0, (s) => source.emit('connection', s), '127.0.0.1');
  t.after(() => service.close());

  const server = spawnAditIn(topo, 'cloud', ['server', '--token', TOKEN, '--control-addr', '127.0.0.1', '--control-port', '8123', '--port', '0', '--admin-addr', '127.0.0.1', '--admin-port', '9090']);
  await server.waitLog((l) => l.msg === 'adit server listening');
  const relayScript = new URL('../netns/delay-relay-main.js', import.meta.url).pathname;
  const relay = topo.spawn('cloud', process.execPath, [relayScript, `${topo.addr.cloud}:8124`, '127.0.0.1:8123', String(DELAY_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((r) => relay.stdout!.once('data', r));

  await setLoss(topo, LOSS_PERCENT);
  await setRate(topo, RATE_MBIT);
  const client = spawnAditIn(topo, 'home', [
    'client', '--url', `ws://${topo.addr.cloud}:8124/tunnel`, '--insecure', '--token', TOKEN, '--id', 'home', '--admin-addr', '127.0.0.1', '--admin-port', '9091',
    '--upstream', `tcp:7000=127.0.0.1:${service.port}`,
  ]);
  await client.waitLog((l) => l.msg === 'connected', 20_000);

  const visitor = await topo.dial('cloud', topo.addr.cloud, 7000);
  const t0 = performance.now();
  const outcome = await download(0, BYTES, 42, 0, '', visitor).done;
  const seconds = (performance.now() - t0) / 1000;

  const rtt = await statusRtt(topo);
  const counters = await forwardCounters(topo);
  const dropped = /^\s*(\d+)\s+\d+\s+DROP.*statistic/m.exec(counters)?.[1];
  const forwarded = /^\s*(\d+)\s+(\d+)\s+ACCEPT.*ctstate/m.exec(counters);
  const mibPerS = BYTES / 1024 / 1024 / seconds;
  report(t, 'slow and lossy path', {
    bytes: BYTES, lossPercent: LOSS_PERCENT, rateMbit: RATE_MBIT, delayEachWayMs: DELAY_MS, tunnelRttMs: rtt, packetsDropped: Number(dropped ?? NaN), packetsForwarded: Number(forwarded?.[1] ?? NaN), meanPacketBytes: Math.round(Number(forwarded?.[2]) / Number(forwarded?.[1])),
    seconds: Math.round(seconds * 10) / 10, throughputMiBps: Math.round(mibPerS * 100) / 100, throughputMbit: Math.round((BYTES * 8) / 1e6 / seconds), result: outcome.kind,
  });
  assert.equal(outcome.kind, 'complete', `the transfer ended ${outcome.kind} after ${outcome.bytes} bytes`);
  assert.ok(Number(dropped) > 300, `the loss rule must really have dropped packets (counters:\n${counters})`);
  assert.ok(rtt !== null && rtt >= 2 * DELAY_MS, `the tunnel's RTT (${rtt} ms) must include the relay's delay`);
});

/** The server's measured RTT to the client, from /status inside cloud. */
async function statusRtt(t: NatTopology): Promise<number | null> {
  const s = await t.dial('cloud', '127.0.0.1', 9090);
  s.end(`GET /status HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
  let text = '';
  for await (const c of s) text += String(c);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { clients: { rttMs: number | null }[] };
  return body.clients[0]?.rttMs ?? null;
}
