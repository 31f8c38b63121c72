/**
 * Hostile input on the control (upgrade) endpoint: garbage, oversized headers,
 * missing and wrong tokens, a right token asking for a forbidden port or host,
 * and 1,000 rapid failed logins. The server must stay up, answer with the right
 * code, throttle the attacker without slowing others, and never log a token.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startClient, startServer, stopAll, type AditProcess, type RunningServer } from '../helpers/adit.js';
import { httpGet } from '../helpers/net.js';
import { rawExchange, upgradeRequest } from './raw-http.js';
import { openFds, report } from './harness.js';

const GOOD = `good-${randomBytes(12).toString('hex')}`;
const WRONG = `wrong-${randomBytes(12).toString('hex')}`;
let dir: string;
let server: RunningServer;
let controlPort: number;
let allowedPort: number;
const clients: AditProcess[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'adit-hostile-'));
  allowedPort = await freePort();
  const access = join(dir, 'access.yaml');
  writeFileSync(access, `tokens:\n  - name: home\n    token: ${GOOD}\n    ports: [${allowedPort}]\n    hosts: [ok.test]\n`);
  server = await startServer({ args: ['--access-file', access] });
  controlPort = Number(server.control.split(':').pop());
});

after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function healthy(): Promise<void> {
  const r = await httpGet(`http://${server.admin}/healthz`);
  assert.equal(r.status, 200, 'the server must stay up');
}

test('garbage bytes on the control port: 400 or a close, server stays up', { timeout: 20_000 }, async () => {
  for (let i = 0; i < 20; i++) {
    const r = await rawExchange(controlPort, [randomBytes(64 + i * 200)], { timeoutMs: 3000 });
    assert.notEqual(r.ended, 'timeout', 'garbage must not hold a connection open');
    assert.ok(r.status === null || r.status === 400, `garbage answered with ${r.status}`);
  }
  await healthy();
});

test('oversized headers on the upgrade: 431', { timeout: 10_000 }, async () => {
  const r = await rawExchange(controlPort, [upgradeRequest('/tunnel', GOOD, `X-Big: ${'a'.repeat(64 * 1024)}`)]);
  assert.equal(r.status, 431, `got ${r.status} (${r.ended}): ${r.text.slice(0, 80)}`);
  await healthy();
});

test('missing, wrong or non-Bearer token: 401; right token without the subprotocol: 400; other path: 404', { timeout: 10_000 }, async () => {
  const none = await rawExchange(controlPort, [upgradeRequest('/tunnel')]);
  assert.equal(none.status, 401);
  assert.match(none.text, /WWW-Authenticate: Bearer/i);
  const wrong = await rawExchange(controlPort, [upgradeRequest('/tunnel', WRONG)], { localAddress: '127.0.0.3' });
  assert.equal(wrong.status, 401);
  const notBearer = await rawExchange(controlPort, [upgradeRequest('/tunnel', undefined, `Authorization: Basic ${Buffer.from(`x:${GOOD}`).toString('base64')}`)], { localAddress: '127.0.0.4' });
  assert.equal(notBearer.status, 401);
  const noProto = await rawExchange(controlPort, [upgradeRequest('/tunnel', GOOD).replace('Sec-WebSocket-Protocol: adit.v1\r\n', '')]);
  assert.equal(noProto.status, 400);
  const otherPath = await rawExchange(controlPort, [upgradeRequest('/other', GOOD)]);
  assert.equal(otherPath.status, 404);
  await healthy();
});

test('right token, forbidden port and host: those upstreams are refused, the allowed one works', { timeout: 20_000 }, async () => {
  const forbiddenPort = await freePort();
  const c = await startClient({
    url: server.url, token: GOOD, id: 'limited',
    upstreams: [`tcp:${allowedPort}=127.0.0.1:9`, `tcp:${forbiddenPort}=127.0.0.1:9`, 'ok.test=http://127.0.0.1:9', 'evil.test=http://127.0.0.1:9'],
  });
  clients.push(c);
  const line = await c.waitLog((l) => l.msg === 'connected');
  assert.deepEqual([...(line.accepted as string[])].sort(), [`tcp:${allowedPort}`, 'http:ok.test'].sort());
  assert.equal(line.refused, 2);
  const refusals = c.logs.filter((l) => /refused/i.test(String(l.msg)) && l.msg !== 'connected');
  const text = JSON.stringify(refusals);
  assert.match(text, new RegExp(`tcp:${forbiddenPort}`));
  assert.match(text, /evil\.test/);
  await healthy();
});

test('1,000 rapid failed logins are throttled; others are not slowed', { timeout: 60_000 }, async (t) => {
  const N = 1000;
  const t0 = performance.now();
  const attempts = Array.from({ length: N }, (_, i) => rawExchange(controlPort, [upgradeRequest('/tunnel', `${WRONG}-${i}`)], { timeoutMs: 30_000, localAddress: '127.0.0.2' }));
  // While the storm is on: health, and a legitimate client from the same address, answer at once.
  await new Promise((r) => setTimeout(r, 300));
  const h0 = performance.now();
  await healthy();
  const healthMs = performance.now() - h0;
  const good = await rawExchange(controlPort, [upgradeRequest('/tunnel', GOOD)], { timeoutMs: 5000, localAddress: '127.0.0.2', untilStatus: true });
  const goodMs = good.ms;
  const other = await rawExchange(controlPort, [upgradeRequest('/tunnel', WRONG)], { localAddress: '127.0.0.5' });
  // How many sockets the throttled attempts keep open in the server meanwhile.
  const fdsDuringStorm = openFds(server.proc.pid!);
  const results = await Promise.all(attempts);
  const stormMs = performance.now() - t0;
  const codes = new Map<string, number>();
  for (const r of results) codes.set(String(r.status), (codes.get(String(r.status)) ?? 0) + 1);
  const fast = results.filter((r) => r.ms < 200).length;
  const slowest = Math.max(...results.map((r) => r.ms));
  report(t, 'hostile: 1000 failed logins', {
    attempts: N, codes: Object.fromEntries(codes), answeredUnder200ms: fast, slowestMs: Math.round(slowest), stormMs: Math.round(stormMs),
    healthDuringStormMs: Math.round(healthMs), serverFdsDuringStorm: fdsDuringStorm, goodTokenDuringStormMs: Math.round(goodMs), goodTokenStatus: good.status, otherAddressFirstFailureMs: Math.round(other.ms),
  });
  assert.equal(codes.get('401'), N, `every failed login gets 401: ${JSON.stringify(Object.fromEntries(codes))}`);
  assert.ok(fast < N / 10, `throttling must slow the storm: ${fast} of ${N} answered under 200 ms`);
  assert.equal(good.status, 101, 'a right token is not throttled');
  assert.ok(goodMs < 1000 && healthMs < 1000);
  assert.equal(other.status, 401);
  assert.ok(other.ms < 500, 'another address is not punished for the attacker');
  await healthy();
});

test('no token ever appears in the logs', { timeout: 10_000 }, async () => {
  const all = [server, ...clients].map((p) => JSON.stringify(p.logs) + p.stderr()).join('\n');
  assert.ok(all.length > 1000, 'logs were captured');
  for (const secret of [GOOD, WRONG, GOOD.slice(5), WRONG.slice(6)]) assert.ok(!all.includes(secret), `a token leaked into the logs`);
});
