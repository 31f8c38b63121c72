/**
 * Fault: kill -9 the client mid-transfer. The visitor must see a reset (never a
 * clean end of a short transfer), the server must free the client's ports within
 * the dead-peer bound, and a new client must get them back.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { hashServer } from '../helpers/net.js';
import { closeServer, listen, probePort, report, waitFor } from './harness.js';
import { download, sourceServer, upload } from '../helpers/traffic.js';

const TOKEN = 'kill-client-token-5f1e9a';
const KEEPALIVE = ['--keepalive-interval', '1s', '--keepalive-timeout', '3s'];
const DEAD_PEER_BOUND_MS = 3000;

after(stopAll);

test('kill -9 of the client mid-transfer: reset, ports freed, new client takes them', { timeout: 40_000 }, async (t) => {
  const source = sourceServer();
  const sourcePort = await listen(source);
  t.after(() => closeServer(source));
  const sink = hashServer();
  const sinkPort = await listen(sink);
  t.after(() => closeServer(sink));
  const server = await startServer({ token: TOKEN, args: KEEPALIVE });
  const port = await freePort();
  const upPort = await freePort();
  const upstream = `tcp:${port}=127.0.0.1:${sourcePort}`;
  const client = await startClient({ url: server.url, token: TOKEN, upstreams: [upstream, `tcp:${upPort}=127.0.0.1:${sinkPort}`], id: 'home-a', args: KEEPALIVE });

  // 64 MiB each way at one 64 KiB chunk per 5 ms: still running when the client dies.
  const d = download(port, 64 * 1024 * 1024, 1, 5);
  const u = upload(upPort, 64 * 1024 * 1024, 11, 5);
  await Promise.all([d.started, u.started]);
  await new Promise((r) => setTimeout(r, 300));
  const killedAt = performance.now();
  client.proc.kill('SIGKILL');

  const outcome = await d.done;
  const visitorMs = performance.now() - killedAt;
  assert.equal(outcome.kind, 'reset', `the visitor must see a reset, not ${outcome.kind} after ${outcome.bytes} bytes`);
  assert.ok(outcome.bytes > 0 && outcome.bytes < 64 * 1024 * 1024);
  const up = await u.done;
  assert.equal(up.kind, 'reset', `an uploading visitor must see a reset too, not ${up.kind}`);

  const freedMs = await waitFor('port freed', async () => (await probePort(port)) === 'ECONNREFUSED', DEAD_PEER_BOUND_MS + 1000);
  const sinceKill = performance.now() - killedAt;
  assert.ok(sinceKill <= DEAD_PEER_BOUND_MS + 1000, `port freed ${sinceKill.toFixed(0)} ms after the kill`);
  await server.waitLog((l) => l.msg === 'client disconnected' && l.client === 'home-a', 1000);

  const t1 = performance.now();
  const next = await startClient({ url: server.url, token: TOKEN, upstreams: [upstream], id: 'home-b', args: KEEPALIVE });
  const reclaimMs = performance.now() - t1;
  const line = await next.waitLog((l) => l.msg === 'connected');
  assert.deepEqual(line.accepted, [`tcp:${port}`]);
  const again = await download(port, 1024 * 1024, 2).done;
  assert.equal(again.kind, 'complete');

  report(t, 'kill -9 client', {
    visitorResetMs: Math.round(visitorMs), visitorError: outcome.error, uploaderError: up.error, bytesBeforeReset: outcome.bytes,
    portFreedMs: Math.round(sinceKill), pollMs: Math.round(freedMs), newClientConnectedMs: Math.round(reclaimMs), deadPeerBoundMs: DEAD_PEER_BOUND_MS,
  });
});
