import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { wsTransport } from '../../src/transport/ws.js';
import type { Transport } from '../../src/mux/index.js';

/**
 * The client masks over plain ws into a reused arena. While the server does
 * not read, the kernel refuses part of every write and queued writes still
 * point into the arena: it must not be reused under them.
 */
test('masked frames written while the peer does not read arrive intact', { timeout: 30_000 }, async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, clientTracking: false });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const serverSide = new Promise<Transport>((resolve) => wss.once('connection', (ws) => resolve(wsTransport(ws))));
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const client = await new Promise<Transport>((resolve) => ws.once('open', () => resolve(wsTransport(ws))));
  const server = await serverSide;

  const sent = createHash('sha256');
  let total = 0;
  let queuedAtSomePoint = false;
  for (let i = 0; i < 400; i++) {
    const header = randomBytes(10);
    const payload = randomBytes(1 + ((i * 7919) % 65_536));
    sent.update(header).update(payload);
    total += header.length + payload.length;
    client.cork();
    client.write(header, payload);
    client.uncork();
    if (client.bufferedBytes > 0) queuedAtSomePoint = true;
  }
  assert.ok(queuedAtSomePoint, 'the socket never pushed back: the test did not reach the case it is for');

  const got = createHash('sha256');
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    server.on('data', (b: Buffer) => {
      got.update(b);
      received += b.length;
      if (received === total) resolve();
    });
    // Overwritten masked bytes reach the server as garbage frames: it closes with a protocol error.
    server.once('close', (err?: Error) => reject(new Error(`server side closed after ${received} of ${total} bytes: ${err?.message ?? 'clean'}`)));
  });
  await done;
  assert.equal(got.digest('hex'), sent.digest('hex'));
  client.destroy();
  server.destroy();
  await new Promise<void>((r) => wss.close(() => r()));
});
