/** Token rotation without a restart: the server re-reads its token file when it changes. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { freePort, startClient, startServer, stopAll } from '../helpers/adit.js';
import { closeQuietly, echoServer, listenLocal, roundTrip } from '../helpers/net.js';

function upgradeStatus(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['adit.v1'], { headers: { authorization: `Bearer ${token}` }, localAddress: '127.0.0.9' });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('token rotation', { timeout: 30_000 }, () => {
  const targets: net.Server[] = [];
  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('a rewritten token file takes effect without a restart; connected sessions stay up; a broken file changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adit-rotate-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, 'old-token\n');
    const server = await startServer({ args: ['--token-file', file, '--reload-interval', '100ms'] });
    const echo = echoServer();
    targets.push(echo);
    const p = await freePort();
    await startClient({ url: server.url, token: 'old-token', id: 'old', upstreams: [`tcp:${p}=127.0.0.1:${await listenLocal(echo)}`] });
    assert.equal(await upgradeStatus(server.url, 'new-token'), 401);

    writeFileSync(file, 'old-token\nnew-token\n'); // rotation, step 1: both accepted
    await server.waitLog((l) => l.msg === 'tokens reloaded' && l.tokenCount === 2);
    assert.equal(await upgradeStatus(server.url, 'new-token'), 101);

    writeFileSync(file, 'new-token\n'); // step 2: the old one retired
    await server.waitLog((l) => l.msg === 'tokens reloaded' && l.tokenCount === 1);
    assert.equal(await upgradeStatus(server.url, 'old-token'), 401);
    assert.equal((await roundTrip(p, 'still here')).toString(), 'still here', 'the session that used the old token is not cut');

    writeFileSync(file, '# nothing\n');
    await server.waitLog((l) => l.msg === 'token reload failed; keeping the previous tokens');
    assert.equal(await upgradeStatus(server.url, 'new-token'), 101);
  });
});
