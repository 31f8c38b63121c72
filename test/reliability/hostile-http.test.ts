/**
 * Hostile input on the HTTP port: slowloris, oversized headers, conflicting
 * Content-Length and Transfer-Encoding (request smuggling), unknown hosts.
 * The server must stay up, answer with the right code, keep serving honest
 * visitors meanwhile, and never log the token.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { startClient, startServer, stopAll, type AditProcess, type RunningServer } from '../helpers/adit.js';
import { httpGet, namedHttpServer } from '../helpers/net.js';
import { closeServer, listen, report } from './harness.js';
import { rawExchange } from './raw-http.js';

const TOKEN = `http-${randomBytes(12).toString('hex')}`;
const HEADERS_TIMEOUT_MS = 1000;
let server: RunningServer;
let client: AditProcess;
let web: http.Server;
let httpPort: number;
const seenByUpstream: string[] = [];

before(async () => {
  web = namedHttpServer('home-web');
  web.on('request', (req: http.IncomingMessage) => seenByUpstream.push(`${req.method} ${req.url}`));
  const webPort = await listen(web);
  server = await startServer({ token: TOKEN, args: ['--headers-timeout', `${HEADERS_TIMEOUT_MS}ms`] });
  httpPort = Number(server.http.split(':').pop());
  client = await startClient({ url: server.url, token: TOKEN, upstreams: [`ok.test=http://127.0.0.1:${webPort}`] });
});

after(async () => {
  await stopAll();
  await closeServer(web);
});

async function honest(): Promise<number> {
  const t0 = performance.now();
  const r = await httpGet(`http://127.0.0.1:${httpPort}/hello`, { host: 'ok.test' });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as { name: string }).name, 'home-web');
  return performance.now() - t0;
}

test('slowloris: slow heads are cut with 408 near the headers timeout; honest visitors are served meanwhile', { timeout: 30_000 }, async (t) => {
  const head = 'GET / HTTP/1.1\r\nHost: ok.test\r\nX-Slow: ' + 'a'.repeat(40);
  const parts = [...head].map((c) => c);
  const loris = Array.from({ length: 50 }, () => rawExchange(httpPort, parts, { gapMs: 100, timeoutMs: 15_000 }));
  await new Promise((r) => setTimeout(r, 300));
  const during = await honest();
  const results = await Promise.all(loris);
  const worst = Math.max(...results.map((r) => r.ms));
  report(t, 'hostile: slowloris', { connections: loris.length, headersTimeoutMs: HEADERS_TIMEOUT_MS, statuses: [...new Set(results.map((r) => r.status))], slowestCutMs: Math.round(worst), honestRequestMs: Math.round(during) });
  for (const r of results) {
    assert.notEqual(r.ended, 'timeout', 'a slow head must be cut, not kept open');
    assert.equal(r.status, 408, `slowloris answered ${r.status} after ${r.ms.toFixed(0)} ms`);
  }
  assert.ok(worst < HEADERS_TIMEOUT_MS + 2500, `slow heads were cut only after ${worst.toFixed(0)} ms`);
  assert.ok(during < 1000);
});

test('oversized request headers: 431', { timeout: 10_000 }, async () => {
  const r = await rawExchange(httpPort, [`GET / HTTP/1.1\r\nHost: ok.test\r\nX-Big: ${'b'.repeat(32 * 1024)}\r\n\r\n`]);
  assert.equal(r.status, 431, `got ${r.status} (${r.ended})`);
  await honest();
});

test('conflicting Content-Length and Transfer-Encoding: 400, nothing reaches the upstream', { timeout: 10_000 }, async () => {
  const before = seenByUpstream.length;
  const smuggle = [
    'POST /a HTTP/1.1\r\nHost: ok.test\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n',
    '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ok.test\r\n\r\n',
  ];
  const r = await rawExchange(httpPort, smuggle, { timeoutMs: 3000 });
  assert.equal(r.status, 400, `got ${r.status} (${r.ended}): ${r.text.slice(0, 60)}`);
  const dup = await rawExchange(httpPort, ['POST /b HTTP/1.1\r\nHost: ok.test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'], { timeoutMs: 3000 });
  assert.equal(dup.status, 400, `two Content-Lengths: got ${dup.status}`);
  await new Promise((r2) => setTimeout(r2, 100));
  assert.ok(!seenByUpstream.slice(before).some((x) => x.includes('smuggled') || x.includes('/a') || x.includes('/b')), `upstream saw ${JSON.stringify(seenByUpstream.slice(before))}`);
  await honest();
});

test('unknown hosts: 502 naming no tunnel; bad targets: 400', { timeout: 10_000 }, async () => {
  const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'nobody.test' });
  assert.equal(r.status, 502);
  assert.match(r.body, /no tunnel serves host/);
  const noHost = await rawExchange(httpPort, ['GET / HTTP/1.1\r\n\r\n'], { timeoutMs: 3000 });
  assert.ok(noHost.status === 400 || noHost.status === 502, `no Host header: ${noHost.status}`);
  const junk = await rawExchange(httpPort, ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + 'x'.repeat(100)], { timeoutMs: 3000 });
  assert.ok(junk.status === 400 || junk.status === null, `TLS bytes on the HTTP port: ${junk.status}`);
  assert.notEqual(junk.ended, 'timeout');
  await honest();
});

test('server still healthy and the token never logged', { timeout: 10_000 }, async () => {
  assert.equal((await httpGet(`http://${server.admin}/healthz`)).status, 200);
  const all = [server, client].map((p) => JSON.stringify(p.logs) + p.stderr()).join('\n');
  assert.ok(!all.includes(TOKEN) && !all.includes(TOKEN.slice(5)));
});
