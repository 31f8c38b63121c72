import test from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { Session } from '../../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../../src/protocol/index.js';
import { receiveHashed, sendHashed } from './bulk-source.js';

const GiB = 1024 * 1024 * 1024;

test('1 GiB each way at once through one stream over a loopback WebSocket between two processes', { timeout: 300_000 }, async (t) => {
  const child = fork(new URL('./bulk-peer.js', import.meta.url), [String(GiB)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, WS_SUBPROTOCOL, { maxPayload: WS_MAX_PAYLOAD });
    await once(ws, 'open');
    const session = new Session(wsTransport(ws), { role: 'initiator' });
    session.sendHello({});
    await once(session, 'hello');
    const s = session.open({ route: 'bulk' });
    const childReport = once(child, 'message') as Promise<[{ received: { sha256: string; bytes: number }; sent: string; error?: string }]>;
    const t0 = performance.now();
    const [received, sent] = await Promise.all([receiveHashed(s), sendHashed(s, GiB)]);
    const [report] = await childReport;
    const secs = (performance.now() - t0) / 1000;
    assert.equal(report.error, undefined);
    assert.equal(report.received.bytes, GiB);
    assert.equal(received.bytes, GiB);
    assert.equal(report.received.sha256, sent, 'what the child received is what we sent');
    assert.equal(received.sha256, report.sent, 'what we received is what the child sent');
    t.diagnostic(`2 GiB moved in ${secs.toFixed(1)} s`);
    session.destroy();
    ws.terminate();
  } finally {
    child.kill();
  }
});
