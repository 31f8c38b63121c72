import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { startDelayRelay } from './delay-relay.js';

async function echoServer(): Promise<net.Server> {
  const s = net.createServer({ allowHalfOpen: true }, (c) => {
    c.on('error', () => c.destroy());
    c.pipe(c);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

test('the relay adds its delay each way, keeps order, half-close and every byte', { timeout: 20_000 }, async (t) => {
  const echo = await echoServer();
  const relay = await startDelayRelay({ targetHost: '127.0.0.1', targetPort: (echo.address() as net.AddressInfo).port, delayMs: 50 });
  t.after(async () => {
    await relay.close();
    echo.close();
  });
  const c = net.connect({ port: relay.port, host: '127.0.0.1', allowHalfOpen: true });
  await once(c, 'connect');
  const t0 = performance.now();
  c.write('a');
  await once(c, 'data');
  const rtt = performance.now() - t0;
  assert.ok(rtt >= 98 && rtt < 400, `round trip through a 50 ms relay was ${rtt.toFixed(1)} ms`);

  const payload = randomBytes(8 * 1024 * 1024);
  const h = createHash('sha256');
  let n = 0;
  const done = new Promise<void>((resolve, reject) => {
    c.on('data', (d: Buffer) => {
      h.update(d);
      n += d.length;
    });
    c.once('end', resolve);
    c.once('error', reject);
  });
  c.end(payload);
  await done;
  assert.equal(n, payload.length);
  assert.equal(h.digest('hex'), createHash('sha256').update(payload).digest('hex'));
});

test('a reset on the far side reaches the near side as a reset', { timeout: 10_000 }, async (t) => {
  const rst = net.createServer((c) => c.once('data', () => c.resetAndDestroy()));
  await new Promise<void>((r) => rst.listen(0, '127.0.0.1', r));
  const relay = await startDelayRelay({ targetHost: '127.0.0.1', targetPort: (rst.address() as net.AddressInfo).port, delayMs: 10 });
  t.after(async () => {
    await relay.close();
    rst.close();
  });
  const c = net.connect({ port: relay.port, host: '127.0.0.1' });
  c.write('x');
  const [err] = (await once(c, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ECONNRESET');
});
