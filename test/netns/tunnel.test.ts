/**
 * Through adit, across the NAT: the server and a visitor in cloud, the client and
 * its services in home. Cloud cannot reach home (nat.test.ts); with the client
 * dialling out, the visitor reaches home's TCP and HTTP services.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { createNatTopology, skipUnlessNetns, spawnAditIn, DialError, type NatTopology, type NsAdit } from './index.js';

const skip = skipUnlessNetns();
const TOKEN = 'netns-tunnel-token-9c1f';
let topo: NatTopology;
let server: NsAdit;
let client: NsAdit;
let tcpService: { port: number; close(): Promise<void> };
let httpService: { port: number; close(): Promise<void> };
const web = http.createServer((req, res) => res.end(`home web saw ${req.headers.host} ${req.url}`));

before(async () => {
  if (skip) return;
  topo = await createNatTopology();
  tcpService = await topo.listen('home', 0, (s) => s.pipe(s), '127.0.0.1');
  httpService = await topo.listen('home', 0, (s) => web.emit('connection', s), '127.0.0.1');
  server = spawnAditIn(topo, 'cloud', ['server', '--token', TOKEN, '--control-port', '8123', '--port', '8000', '--admin-addr', '127.0.0.1', '--admin-port', '9090']);
  await server.waitLog((l) => l.msg === 'adit server listening');
  client = spawnAditIn(topo, 'home', [
    'client', '--url', `ws://${topo.addr.cloud}:8123/tunnel`, '--insecure', '--token', TOKEN, '--id', 'home', '--admin-addr', '127.0.0.1', '--admin-port', '9091',
    '--upstream', `tcp:7000=127.0.0.1:${tcpService.port}`, '--upstream', `web.test=http://127.0.0.1:${httpService.port}`,
  ]);
  await client.waitLog((l) => l.msg === 'connected', 15_000);
});

after(async () => {
  await tcpService?.close();
  await httpService?.close();
  web.closeAllConnections();
  await topo?.destroy();
});

async function readAll(s: net.Socket): Promise<string> {
  let got = '';
  for await (const c of s) got += String(c);
  return got;
}

test('the client\'s session arrives at the server from the router\'s address (it crossed the NAT)', { skip, timeout: 10_000 }, async () => {
  const l = await server.waitLog((x) => x.msg === 'client connected');
  assert.equal(String(l.remote).split(':')[0], topo.addr.routerCloud);
});

test('a visitor in cloud reaches home\'s TCP service through adit', { skip, timeout: 20_000 }, async () => {
  // Without adit there is no way in:
  await assert.rejects(topo.dial('cloud', topo.addr.home, tcpService.port, { timeoutMs: 1000 }), DialError);
  const s = await topo.dial('cloud', topo.addr.cloud, 7000);
  s.end('hello home, from cloud');
  assert.equal(await readAll(s), 'hello home, from cloud');
});

test('a visitor in cloud reaches home\'s HTTP service by Host through adit', { skip, timeout: 20_000 }, async () => {
  const s = await topo.dial('cloud', topo.addr.cloud, 8000);
  s.write('GET /page HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n');
  const answer = await readAll(s);
  assert.match(answer, /^HTTP\/1\.1 200/);
  assert.match(answer, /home web saw web\.test \/page/);
});
