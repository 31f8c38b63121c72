/** Lifecycle over real processes: reconnects, stale-session takeover, SIGTERM drain. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { closeQuietly, echoServer, httpGet, listenLocal, namedHttpServer, roundTrip } from '../helpers/net.js';

const TOKEN = 'lifecycle-token';
const targets: net.Server[] = [];

async function target(server: net.Server): Promise<number> {
  targets.push(server);
  return listenLocal(server);
}

describe('lifecycle', { timeout: 60_000 }, () => {
  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('the client reconnects after the server restarts, and its ports come back', async () => {
    const controlPort = await freePort();
    const echo = await target(echoServer());
    const p = await freePort();
    let server = await startServer({ token: TOKEN, controlPort });
    const client = await startClient({ url: server.url, token: TOKEN, id: 'home', upstreams: [`tcp:${p}=127.0.0.1:${echo}`] });
    assert.equal((await roundTrip(p, 'before')).toString(), 'before');
    await server.stop('SIGKILL');
    await client.waitLog((l) => l.msg === 'session ended');
    server = await startServer({ token: TOKEN, controlPort });
    await client.waitLog((l) => l.msg === 'connected' && client.logs.filter((x) => x.msg === 'connected').length >= 2, 15_000);
    assert.equal((await roundTrip(p, 'after')).toString(), 'after');
    const status = JSON.parse((await httpGet(`http://${server.admin}/status`, { authorization: `Bearer ${TOKEN}` })).body);
    assert.deepEqual(status.routes, [{ route: `tcp:${p}`, client: 'home' }]);
    assert.equal((await httpGet(`http://${server.admin}/status`)).status, 401, '/status needs the token');
    await Promise.all([client.stop(), server.stop()]);
  });

  it('the same client id replaces its stale session at once and takes its port over', async () => {
    const server = await startServer({ token: TOKEN });
    const a = await target(namedHttpServer('old'));
    const b = await target(namedHttpServer('new'));
    const p = await freePort();
    const stale = await startClient({ url: server.url, token: TOKEN, id: 'same-id', upstreams: [`tcp:${p}=127.0.0.1:${a}`] });
    assert.equal(JSON.parse((await httpGet(`http://127.0.0.1:${p}/`)).body).name, 'old');
    stale.proc.kill('SIGSTOP'); // frozen: its session looks alive but answers nothing
    try {
      const fresh = await startClient({ url: server.url, token: TOKEN, id: 'same-id', upstreams: [`tcp:${p}=127.0.0.1:${b}`] });
      assert.ok(!fresh.logs.some((l) => l.msg?.startsWith('server refused')), 'no refusal for the same id');
      assert.equal(JSON.parse((await httpGet(`http://127.0.0.1:${p}/`)).body).name, 'new');
      await server.waitLog((l) => l.msg === 'client reconnected; replacing its previous session');
      await fresh.stop();
    } finally {
      stale.proc.kill('SIGCONT');
      await stale.stop('SIGKILL');
    }
    await server.stop();
  });

  it('SIGTERM drains: in-flight streams finish, new visitors are refused, the rest is reset at --drain-timeout', async () => {
    const server = await startServer({ token: TOKEN, args: ['--drain-timeout', '3s'] });
    const slow = await target(namedHttpServer('slow'));
    const echo = await target(echoServer());
    const p = await freePort();
    const q = await freePort();
    const client = await startClient({ url: server.url, token: TOKEN, id: 'drain', upstreams: [`tcp:${p}=127.0.0.1:${slow}`, `tcp:${q}=127.0.0.1:${echo}`] });
    // An idle connection that never ends: it must be reset when the drain time is up, not closed cleanly.
    const held = net.connect({ host: '127.0.0.1', port: q });
    const heldOutcome = new Promise<string>((resolve) => {
      held.on('end', () => resolve('clean end'));
      held.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    held.write('x');
    await new Promise((r) => held.once('data', r));
    const inflight = httpGet(`http://127.0.0.1:${p}/slow`);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    server.proc.kill('SIGTERM');
    await server.waitLog((l) => l.msg === 'draining');
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: p });
      s.on('connect', () => resolve('connected'));
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED', 'no new visitors while draining');
    // The client starts a new session at once (another replica would take it) while the old one drains.
    const moving = await client.waitLog((l) => l.msg === 'session draining; connecting again while its streams finish');
    assert.ok(Number(moving.openStreams) >= 1, 'the draining session still carries the in-flight streams');
    await client.waitLog((l) => l.msg === 'cannot connect to the server' && /ECONNREFUSED/.test(String(l.reason)));
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow slow done');
    const exit = await server.exited;
    const took = performance.now() - t0;
    assert.equal(exit.code, 0);
    assert.ok(took >= 2_500 && took < 6_000, `exit after ${took.toFixed(0)} ms (drain timeout 3 s)`);
    assert.equal(await heldOutcome, 'ECONNRESET');
    await client.waitLog((l) => l.msg === 'server is going away');
    const c = await client.stop();
    assert.equal(c.code, 0);
  });
});
