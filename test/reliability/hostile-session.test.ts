/**
 * Hostile frames after a successful upgrade: 200 authenticated WebSocket
 * sessions that send fuzzed frame streams (half of them after a valid HELLO).
 * The server must close the bad sessions by itself, stay healthy, and keep
 * serving a well-behaved client's tunnel meanwhile.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { encodeHello, WS_SUBPROTOCOL } from '../../src/protocol/index.js';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { echoServer, httpGet, roundTrip } from '../helpers/net.js';
import { hostileFrameArb, editsArb, mutate } from './fuzz/arbitraries.js';
import { closeServer, listen, report } from './harness.js';

const TOKEN = 'hostile-session-token-8d3e2c';
const SESSIONS = 200;

after(stopAll);

test(`${SESSIONS} authenticated sessions sending fuzzed frames: server stays up, honest tunnel unaffected`, { timeout: 60_000 }, async (t) => {
  const echo = echoServer();
  const echoPort = await listen(echo);
  t.after(() => closeServer(echo));
  const server = await startServer({ token: TOKEN });
  const port = await freePort();
  await startClient({ url: server.url, token: TOKEN, id: 'honest', upstreams: [`tcp:${port}=127.0.0.1:${echoPort}`] });

  const inputs = fc.sample(fc.tuple(fc.boolean(), fc.array(hostileFrameArb, { minLength: 1, maxLength: 10 }), editsArb), { numRuns: SESSIONS, seed: 5 });
  let closedByServer = 0;
  let closedByUs = 0;
  const runOne = ([hello, frames, edits]: (typeof inputs)[number], i: number) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(server.url, [WS_SUBPROTOCOL], { headers: { authorization: `Bearer ${TOKEN}` } });
      let mine = false;
      const timer = setTimeout(() => { mine = true; ws.terminate(); }, 1000);
      ws.on('open', () => {
        if (hello) ws.send(encodeHello({ v: 1, caps: [], id: `fuzz-${i}`, upstreams: [] }));
        ws.send(mutate(Buffer.concat(frames), edits));
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        clearTimeout(timer);
        if (mine) closedByUs++;
        else closedByServer++;
        resolve();
      });
    });
  // 40 at a time, while the honest tunnel is in use.
  for (let i = 0; i < SESSIONS; i += 40) {
    const batch = inputs.slice(i, i + 40).map((x, j) => runOne(x, i + j));
    const honest = roundTrip(port, `honest ${i}`);
    await Promise.all(batch);
    assert.equal((await honest).toString(), `honest ${i}`);
  }
  assert.equal((await httpGet(`http://${server.admin}/healthz`)).status, 200);
  assert.equal(server.proc.exitCode, null, 'the server is still running');
  const status = JSON.parse((await httpGet(`http://${server.admin}/status`, { authorization: `Bearer ${TOKEN}` })).body) as { clients: { id: string }[] };
  assert.deepEqual(status.clients.map((c) => c.id), ['honest'], `only the honest client is left; every fuzzing session is gone: ${JSON.stringify(status.clients)}`);
  report(t, 'hostile: fuzzed frames after the upgrade', { sessions: SESSIONS, closedByServer, closedByUsAfter1s: closedByUs });
  // Most inputs are invalid at once; those that are valid but incomplete (no HELLO yet, a PING only) we close ourselves.
  assert.ok(closedByServer > SESSIONS / 2, `the server closed only ${closedByServer} of ${SESSIONS} hostile sessions`);
});
