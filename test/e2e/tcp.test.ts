/** End to end over real processes: adit server and adit client on loopback, raw TCP through the tunnel. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, startClient, startServer, stopAll, type RunningServer } from '../helpers/adit.js';
import { closeQuietly, echoServer, hashServer, listenLocal, roundTrip } from '../helpers/net.js';
import { sourceServer, stallingDownloads } from '../helpers/traffic.js';

const TOKEN = 'e2e-tcp-token';

describe('e2e TCP', { timeout: 60_000 }, () => {
  let server: RunningServer;
  const targets: net.Server[] = [];
  let hashPort = 0;
  let echoPort = 0;
  let closerPort = 0;
  let closerReceived: Promise<number>;
  let sourcePort = 0;

  before(async () => {
    const hash = hashServer();
    const echo = echoServer();
    let report!: (n: number) => void;
    closerReceived = new Promise((r) => (report = r));
    // Sends a banner and half-closes at once, then keeps reading until the visitor ends.
    const closer = net.createServer({ allowHalfOpen: true }, (s) => {
      let n = 0;
      s.on('data', (c: Buffer) => (n += c.length));
      s.on('end', () => report(n));
      s.end('bye\n');
    });
    const source = sourceServer();
    targets.push(hash, echo, closer, source);
    [hashPort, echoPort, closerPort, sourcePort] = await Promise.all([listenLocal(hash), listenLocal(echo), listenLocal(closer), listenLocal(source)]);
    server = await startServer({ token: TOKEN });
  });

  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('carries 100 MiB each way intact (sha256) and keeps half-close', async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    await startClient({ url: server.url, token: TOKEN, upstreams: [`tcp:${p1}=127.0.0.1:${hashPort}`, `tcp:${p2}=127.0.0.1:${echoPort},tcp:${p3}=127.0.0.1:${closerPort}`] });

    // Visitor → target: 100 MiB, the target answers with its sha256 only after our FIN.
    const total = 100 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const local = createHash('sha256');
    const started = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: p1, allowHalfOpen: true });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('end', () => {
        s.end();
        resolve(text);
      });
      s.on('error', reject);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          // Vary each block so reordering or duplication would change the hash.
          const b = Buffer.from(block);
          b.writeUInt32BE(sent / block.length, 0);
          local.update(b);
          sent += b.length;
          if (!s.write(b)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(answer, `${local.digest('hex')} ${total}\n`);
    console.log(`# 100 MiB visitor→target through the tunnel in ${seconds.toFixed(2)} s (${(100 / seconds).toFixed(0)} MiB/s)`);

    // Target → visitor: echo 100 MiB back and hash what returns.
    const back = createHash('sha256');
    const sentHash = createHash('sha256');
    let got = 0;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: p2, allowHalfOpen: true });
      s.on('data', (c: Buffer) => {
        back.update(c);
        got += c.length;
      });
      s.on('end', () => resolve());
      s.on('error', reject);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const b = Buffer.from(block);
          b.writeUInt32BE(0xffff - sent / block.length, 4);
          sentHash.update(b);
          sent += b.length;
          if (!s.write(b)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    assert.equal(got, total);
    assert.equal(back.digest('hex'), sentHash.digest('hex'));

    // Half-close the other way: the target ends first, the visitor keeps sending afterwards.
    const res = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: p3, allowHalfOpen: true });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('end', () => {
        s.end(Buffer.alloc(1_000_000, 7));
        resolve(text);
      });
      s.on('error', reject);
    });
    assert.equal(res, 'bye\n');
    assert.equal(await closerReceived, 1_000_000);

    // A small echo still works on the same session.
    assert.equal((await roundTrip(p2, 'ping')).toString(), 'ping');
  });

  it('carries target→visitor bytes intact on 16 streams at once while half their visitors keep stalling', async () => {
    // The client stages what its targets send in one reused slab: a stalled stream keeps slab bytes
    // queued while the others' reads go on, and none of them may be overwritten.
    const port = await freePort();
    await startClient({ url: server.url, token: TOKEN, id: 'stalling-visitors', upstreams: [`tcp:${port}=127.0.0.1:${sourcePort}`] });
    const outcomes = await stallingDownloads(port, 16, 12 * 1024 * 1024);
    assert.deepEqual(outcomes.map((o) => o.kind), Array(16).fill('complete'));
  });
});
