/**
 * Fault: the client restarts with the same id while its old session still looks
 * alive to the server (the old process is frozen with SIGSTOP: its socket stays
 * open, nothing answers). The new session must take over at once, with the same
 * ports, without waiting for the keepalive to give up on the old one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { closeServer, listen, report } from './harness.js';
import { download, sourceServer } from '../helpers/traffic.js';

const TOKEN = 'restart-same-id-token-3b8e';

after(stopAll);

test('a restarted client with the same id replaces the stale session at once', { timeout: 30_000 }, async (t) => {
  const source = sourceServer();
  const sourcePort = await listen(source);
  t.after(() => closeServer(source));
  // Default keepalive (10 s / 30 s): the frozen session would look alive for up to 30 s.
  const server = await startServer({ token: TOKEN });
  const port = await freePort();
  const upstream = `tcp:${port}=127.0.0.1:${sourcePort}`;
  const old = await startClient({ url: server.url, token: TOKEN, upstreams: [upstream], id: 'home' });
  assert.equal((await download(port, 256 * 1024, 6).done).kind, 'complete');

  old.proc.kill('SIGSTOP');
  t.after(() => { old.proc.kill('SIGKILL'); });
  const fresh = await startClient({ url: server.url, token: TOKEN, upstreams: [upstream], id: 'home' });
  const starting = await fresh.waitLog((l) => l.msg === 'adit client starting');
  const connected = await fresh.waitLog((l) => l.msg === 'connected');
  assert.deepEqual(connected.accepted, [`tcp:${port}`], 'the new session must get the same port, not "port taken"');
  assert.equal(connected.refused, 0);
  const replaced = await server.waitLog((l) => /replacing/.test(String(l.msg)), 1000);
  const takeoverMs = Number(connected.time) - Number(starting.time);
  assert.ok(takeoverMs < 2000, `takeover took ${takeoverMs} ms`);

  const d = await download(port, 4 * 1024 * 1024, 7).done;
  assert.equal(d.kind, 'complete', 'visitors are served by the new session');
  report(t, 'restart with same id', { takeoverMs, serverLog: replaced.msg, keepaliveTimeoutMs: 30_000 });
});
