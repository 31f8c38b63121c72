/** Every refusal case, over real processes: each refuses only what it must and says why. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { freePort, startClient, startServer, stopAll, type LogLine, type RunningServer } from '../helpers/adit.js';
import { closeQuietly, echoServer, httpGet, listenLocal, namedHttpServer, roundTrip, visitorOutcome } from '../helpers/net.js';

const TOKEN = 'refusal-token';
const LIMITED = 'limited-token';
const dir = mkdtempSync(join(tmpdir(), 'adit-refusals-'));

function refusedLine(upstream: string) {
  return (l: LogLine) => l.msg === `server refused upstream ${upstream}: ${String(l.reason)}` && l.upstream === upstream;
}

async function readyz(adminLog: LogLine): Promise<number> {
  return (await httpGet(`http://${String(adminLog.admin)}/readyz`)).status;
}

describe('refusals', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let echoPort = 0;
  let httpPort = 0;
  const targets: net.Server[] = [];
  let limitedPort = 0;

  before(async () => {
    const echo = echoServer();
    const web = namedHttpServer('web');
    targets.push(echo, web);
    echoPort = await listenLocal(echo);
    httpPort = await listenLocal(web);
    limitedPort = await freePort();
    const access = join(dir, 'access.yaml');
    writeFileSync(access, `tokens:\n  - name: limited\n    token: ${LIMITED}\n    ports: [${limitedPort}]\n    hosts: ["*.limited.test"]\n`);
    server = await startServer({ token: TOKEN, args: ['--access-file', access] });
  });

  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('a wrong token gets 401, slower each time from the same address, and the client keeps retrying', async () => {
    // From 127.0.0.2, so the throttling of these attempts does not slow the client below (127.0.0.1).
    const attempt = () => new Promise<{ status: number; ms: number }>((resolve) => {
      const t0 = performance.now();
      const ws = new WebSocket(server.url, ['adit.v1'], { headers: { authorization: 'Bearer wrong' }, localAddress: '127.0.0.2' });
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      ws.on('error', () => resolve({ status: -1, ms: 0 }));
    });
    const a = await attempt();
    const b = await attempt();
    const c = await attempt();
    assert.deepEqual([a.status, b.status, c.status], [401, 401, 401]);
    assert.ok(c.ms >= 400 && c.ms > a.ms, `throttled: ${a.ms.toFixed(0)} ms, ${b.ms.toFixed(0)} ms, ${c.ms.toFixed(0)} ms`);
    const noAuth = await new Promise<number>((resolve) => {
      const ws = new WebSocket(server.url, ['adit.v1'], { localAddress: '127.0.0.3' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    assert.equal(noAuth, 401);

    const client = await startClient({ url: server.url, token: 'not-the-token', upstreams: [`tcp:${await freePort()}=127.0.0.1:1`], wait: false });
    await client.waitLog((l) => l.msg === 'reconnecting' && Number(l.attempt) >= 2);
    assert.ok(client.logs.filter((l) => l.msg === 'cannot connect to the server').length >= 2);
    const failed = await client.waitLog((l) => l.msg === 'cannot connect to the server');
    assert.match(String(failed.reason), /did not accept the token \(401\)/);
    const everything = JSON.stringify(client.logs) + JSON.stringify(server.logs) + client.stderr() + server.stderr();
    assert.ok(!everything.includes('not-the-token') && !everything.includes(TOKEN), 'no token in any log');
    const metrics = (await httpGet(`http://${server.admin}/metrics`)).body;
    assert.match(metrics, /adit_server_auth_failures_total\{reason="bad_token"\} [1-9]/);
    await client.stop();
  });

  it('refuses ports outside the token limits or --allow-ports; the other upstreams still work', async () => {
    const outside = await freePort();
    const client = await startClient({
      url: server.url, token: LIMITED, id: 'limited',
      upstreams: [`tcp:${limitedPort}=127.0.0.1:${echoPort}`, `tcp:${outside}=127.0.0.1:${echoPort}`, 'not.allowed.test=http://127.0.0.1:1', 'a.limited.test=http://127.0.0.1:1'],
    });
    const refusedPort = await client.waitLog(refusedLine(`tcp:${outside}`));
    assert.equal(refusedPort.code, 'NOT_ALLOWED');
    assert.match(String(refusedPort.reason), /not allowed for this token/);
    assert.equal((await client.waitLog(refusedLine('http:not.allowed.test'))).code, 'NOT_ALLOWED');
    assert.equal(client.logs.some(refusedLine('http:a.limited.test')), false);
    assert.equal((await roundTrip(limitedPort, 'still works')).toString(), 'still works');
    const adminLine = await client.waitLog((l) => l.msg === 'adit client starting');
    assert.equal(await readyz(adminLine), 503, 'not ready while an upstream is refused');
    assert.match((await httpGet(`http://${String(adminLine.admin)}/readyz`)).body, new RegExp(`not ready: server refused tcp:${outside} \\(NOT_ALLOWED: port ${outside} is not allowed for this token\\)`));
    await client.stop();

    const low = await startClient({ url: server.url, token: TOKEN, id: 'low', upstreams: ['tcp:80=127.0.0.1:1'] });
    assert.match(String((await low.waitLog(refusedLine('tcp:80'))).reason), /outside --allow-ports 1024-65535/);
    await low.stop();
  });

  it('refuses a port another client holds, and a port something else has bound', async () => {
    const p = await freePort();
    const a = await startClient({ url: server.url, token: TOKEN, id: 'holder', upstreams: [`tcp:${p}=127.0.0.1:${echoPort}`] });
    assert.equal(await readyz(await a.waitLog((l) => l.msg === 'adit client starting')), 200);
    const b = await startClient({ url: server.url, token: TOKEN, id: 'intruder', upstreams: [`tcp:${p}=127.0.0.1:1`] });
    const taken = await b.waitLog(refusedLine(`tcp:${p}`));
    assert.equal(taken.code, 'TAKEN');
    assert.match(String(taken.reason), /already served by client holder/);
    assert.equal((await roundTrip(p, 'holder answers')).toString(), 'holder answers');

    const squatter = net.createServer();
    const busy = await listenLocal(squatter);
    const c = await startClient({ url: server.url, token: TOKEN, id: 'binder', upstreams: [`tcp:${busy}=127.0.0.1:1`] });
    const bind = await c.waitLog(refusedLine(`tcp:${busy}`));
    assert.equal(bind.code, 'BIND_FAILED');
    assert.match(String(bind.reason), /EADDRINUSE/);
    await closeQuietly(squatter);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('a target that refuses connections resets the visitor (never a clean end); others carry on', async () => {
    const p = await freePort();
    const ok = await freePort();
    const dead = await freePort();
    const client = await startClient({ url: server.url, token: TOKEN, id: 'refuser', upstreams: [`tcp:${p}=127.0.0.1:${dead}`, `tcp:${ok}=127.0.0.1:${echoPort}`] });
    const out = await visitorOutcome(p, 'hello?');
    assert.deepEqual(out, { ended: false, error: 'ECONNRESET', data: '' });
    assert.equal((await roundTrip(ok, 'fine')).toString(), 'fine');
    const metrics = (await httpGet(`http://${server.admin}/metrics`)).body;
    assert.match(metrics, new RegExp(`adit_server_dial_failures_total\\{upstream="tcp:${p}",reason="connect_refused"\\} 1`));
    await client.stop();
  });

  it('a dial that does not finish in --dial-timeout answers 504 (an https upstream that never speaks TLS)', async () => {
    const mute = net.createServer((sock) => sock.on('error', () => undefined).resume()); // accepts, reads, never answers
    targets.push(mute);
    const mutePort = await listenLocal(mute);
    const client = await startClient({ url: server.url, token: TOKEN, id: 'mute', upstreams: [`mute.test=https://127.0.0.1:${mutePort}`], args: ['--dial-timeout', '500ms'] });
    const t0 = performance.now();
    const r = await httpGet(`http://${server.http}/`, { host: 'mute.test' });
    const ms = performance.now() - t0;
    assert.equal(r.status, 504);
    assert.match(r.body, /did not answer the dial in time/);
    assert.ok(ms >= 450 && ms < 3000, `answered after ${ms.toFixed(0)} ms`);
    await client.stop();
  });

  it('strict forwarding refuses a dial to an undeclared target, only for that request; off, it dials', async () => {
    const other = namedHttpServer('other');
    targets.push(other);
    const otherPort = await listenLocal(other);
    const client = await startClient({ url: server.url, token: TOKEN, id: 'strict', upstreams: [`http://127.0.0.1:${httpPort}`] });
    // Absolute-form request target naming another host:port than the declared one.
    const refused = await httpGet(`http://${server.http}/x`, { host: `127.0.0.1:${otherPort}` });
    assert.equal(JSON.parse(refused.body).name, 'web', 'a Host header alone only selects the route, never the target');
    const proxied = await proxyGet(server.http, `http://127.0.0.1:${otherPort}/secret`);
    assert.equal(proxied.status, 502);
    assert.match(proxied.body, /strict forwarding/);
    const declared = await proxyGet(server.http, `http://127.0.0.1:${httpPort}/fine`);
    assert.equal(declared.status, 200, 'the declared target itself is allowed in absolute form');
    assert.equal((await httpGet(`http://${server.http}/`)).status, 200);
    await client.waitLog((l) => l.msg === 'strict forwarding refused a dial to an undeclared target');
    await client.stop();

    const loose = await startServer({ token: TOKEN });
    const looseClient = await startClient({ url: loose.url, token: TOKEN, id: 'loose', upstreams: [`http://127.0.0.1:${httpPort}`], args: ['--strict-forwarding=false'] });
    const through = await proxyGet(loose.http, `http://127.0.0.1:${otherPort}/secret`);
    assert.equal(through.status, 200);
    assert.equal(JSON.parse(through.body).name, 'other');
    await Promise.all([looseClient.stop(), loose.stop()]);
  });
});

/** Sends a proxy-style (absolute-form) GET to the server's HTTP port. */
function proxyGet(hostPort: string, absolute: string): Promise<{ status: number; body: string }> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)), path: absolute, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
