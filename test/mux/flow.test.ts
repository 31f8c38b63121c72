import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { MuxStream } from '../../src/mux/index.js';
import { Session } from '../../src/mux/index.js';
import { socketTransport } from '../../src/transport/socket.js';
import type { AditError } from '../../src/protocol/index.js';
import { socketPair, echo } from './pair.js';
import { freezableRelay } from './freezable-relay.js';

const WINDOW = 256 * 1024;

test('a stalled reader holds its sender at the window; another stream and pings still flow', async () => {
  // Small windows so the bound is tight; the stalled stream may not grow past initialWindow since it never drains.
  const p = await socketPair({ initialWindow: WINDOW, maxWindow: 4 * 1024 * 1024 });
  try {
    const farStreams: MuxStream[] = [];
    p.b.on('stream', (st: MuxStream) => {
      farStreams.push(st);
      st.on('error', () => {});
      st.accept();
      if (st.meta.route === 'stalled') st.pause(); // its reader stopped
      else st.pipe(st);
    });
    const stalled = p.a.open({ route: 'stalled' });
    stalled.on('error', () => {});
    await once(stalled, 'accept');
    // Keep writing whenever the stream drains; it must stop draining once the window is used up.
    const chunk = Buffer.alloc(64 * 1024, 1);
    let written = 0;
    const pump = (): void => {
      while (stalled.write(chunk)) written += chunk.length;
      written += chunk.length;
      stalled.once('drain', pump);
    };
    pump();
    await new Promise((r) => setTimeout(r, 300));
    const far = farStreams[0]!;
    const sentOverWire = stalled.bytesOut;
    assert.equal(stalled.sendCredit, 0, 'the sender used its credit and waits');
    assert.ok(written - sentOverWire > 0, 'bytes wait at the sender');
    // What the far side holds for the stalled stream (its inbox plus the readable buffer)
    // is bounded by the window it granted plus the stream's high-water mark.
    const bound = far.windowSize + p.b.options.streamHighWaterMark;
    assert.ok(far.bytesIn <= bound, `far side holds ${far.bytesIn} bytes, bound ${bound}`);
    assert.ok(far.windowSize <= 4 * 1024 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;

    // Meanwhile another stream on the same session moves 8 MiB both ways.
    const other = p.a.open({ route: 'echo' });
    const data = randomBytes(8 * 1024 * 1024);
    const chunks: Buffer[] = [];
    other.on('data', (c: Buffer) => chunks.push(c));
    const done = once(other, 'end');
    other.end(data);
    await done;
    assert.ok(Buffer.concat(chunks).equals(data));
    // And the session still answers ping-pongs.
    const rtt = await p.a.ping();
    assert.ok(rtt >= 0 && rtt < 1000);
    // The stalled stream has not moved.
    assert.equal(stalled.bytesOut, sentOverWire);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024);
    // Once its reader resumes, everything written arrives.
    stalled.removeAllListeners('drain');
    let got = 0;
    far.on('data', (c: Buffer) => { got += c.length; });
    far.resume();
    stalled.end();
    await once(far, 'end');
    assert.equal(got, written);
  } finally { await p.close(); }
});

test('a peer that exceeds its window is a protocol error that closes the session', async () => {
  const p = await socketPair({ initialWindow: 16 * 1024, minWindow: 16 * 1024 });
  try {
    p.b.on('stream', (st: MuxStream) => { st.on('error', () => {}); st.accept(); st.pause(); });
    const s = p.a.open({ route: 'x' });
    s.on('error', () => {});
    await once(s, 'accept');
    // Cheat: grant ourselves credit the peer never gave.
    s.sendCredit = 1024 * 1024;
    const closed = once(p.b, 'close') as Promise<[AditError]>;
    s.write(Buffer.alloc(64 * 1024));
    const [err] = await closed;
    assert.equal(err.code, 'ADIT_ERR_WINDOW_EXCEEDED');
    // The cheating side is told why in a GOAWAY and its streams error too.
    const [aErr] = (await once(p.a, 'close')) as [AditError];
    assert.ok(aErr);
  } finally { await p.close(); }
});

test('a dead peer (silent connection) is detected within the keepalive bound and every stream errors', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relay = await freezableRelay((server.address() as { port: number }).port);
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const sa = connect(relay.port, '127.0.0.1');
  await once(sa, 'connect');
  const [sb] = await accepted;
  const opts = { keepaliveInterval: 100, keepaliveTimeout: 400 };
  const a = new Session(socketTransport(sa), { ...opts, role: 'initiator' });
  const b = new Session(socketTransport(sb), { ...opts, role: 'acceptor' });
  try {
    echo(b);
    b.sendHello({});
    a.sendHello({});
    await once(a, 'hello');
    const streams = Array.from({ length: 5 }, (_, i) => a.open({ route: `s${i}` }));
    await Promise.all(streams.map((s) => once(s, 'accept')));
    const outcomes = streams.map((s) => new Promise<string>((resolve) => {
      s.on('end', () => resolve('clean end'));
      s.on('error', (e: AditError) => resolve(e.code));
      s.resume();
    }));
    const frozenAt = performance.now();
    relay.freeze();
    const [[aErr], [bErr]] = (await Promise.all([once(a, 'close'), once(b, 'close')])) as [[AditError], [AditError]];
    const detectedIn = performance.now() - frozenAt;
    assert.equal(aErr.code, 'ADIT_ERR_DEAD_PEER');
    assert.equal(bErr.code, 'ADIT_ERR_DEAD_PEER');
    // bound: keepaliveTimeout plus one check period (timeout/4), plus scheduling slack
    assert.ok(detectedIn <= 400 + 100 + 250, `detected after ${detectedIn.toFixed(0)} ms`);
    assert.deepEqual(await Promise.all(outcomes), Array(5).fill('ADIT_ERR_DEAD_PEER'));
  } finally {
    relay.close();
    server.close();
    a.destroy();
    b.destroy();
  }
});

test('the peer closing the connection errors open streams instead of ending them', async () => {
  const p = await socketPair();
  try {
    echo(p.b);
    const s = p.a.open({ route: 'x' });
    await once(s, 'accept');
    const outcome = new Promise<string>((resolve) => {
      s.on('end', () => resolve('clean end'));
      s.on('error', (e: AditError) => resolve(e.code));
      s.resume();
    });
    p.sockets!.b.end();
    assert.equal(await outcome, 'ADIT_ERR_TRANSPORT_CLOSED');
  } finally { await p.close(); }
});

test('graceful close drains open streams, then closes; new opens are refused', async () => {
  const p = await socketPair();
  try {
    p.b.on('stream', (st: MuxStream) => {
      st.accept();
      st.resume();
      st.on('end', () => setTimeout(() => st.end('bye'), 100));
    });
    const s = p.a.open({ route: 'x' });
    await once(s, 'accept');
    const closing = p.b.close(5000);
    const goaway = await once(p.a, 'goaway');
    assert.deepEqual(goaway, [{ code: 0, reason: 'closing' }]);
    const late = p.a.open({ route: 'late' });
    const [lateErr] = (await once(late, 'error')) as [AditError];
    assert.equal(lateErr.code, 'ADIT_ERR_GOING_AWAY');
    const reply: Buffer[] = [];
    s.on('data', (c: Buffer) => reply.push(c));
    s.end('done');
    await once(s, 'end');
    assert.equal(Buffer.concat(reply).toString(), 'bye');
    await closing;
  } finally { await p.close(); }
});

test('a bulk stream alone on the session sizes its window for throughput, and gives it back once another stream is active', async (t) => {
  const p = await socketPair({ initialWindow: 64 * 1024 });
  try {
    let bulkFar: MuxStream | undefined;
    p.b.on('stream', (st: MuxStream) => {
      st.on('error', () => {}); // p.close() destroys every stream
      st.accept();
      if (st.meta.route === 'bulk') { bulkFar = st; st.resume(); } else st.pipe(st);
    });
    const bulk = p.a.open({ route: 'bulk' });
    bulk.on('error', () => {});
    await once(bulk, 'accept');
    const chunk = Buffer.alloc(64 * 1024, 7);
    let running = true;
    const pump = (): void => {
      while (running && bulk.write(chunk));
      if (running) bulk.once('drain', pump);
    };
    pump();
    /** The far side's window of the bulk stream, read every 5 ms for `ms`. */
    const windowSamples = async (ms: number): Promise<number[]> => {
      const seen: number[] = [];
      for (const end = Date.now() + ms; Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(bulkFar?.windowSize ?? 0);
      }
      return seen;
    };
    // Alone: the window is sized from at least a 1 ms RTT, so it outgrows the 64 KiB it started with.
    const alone = Math.max(...(await windowSamples(600)));
    assert.ok(alone > 64 * 1024, `alone, the window reached ${alone}`);

    // A 1-byte echo loop on a second stream: the bulk stream's bytes now queue ahead of its answers.
    const chat = p.a.open({ route: 'chat' });
    chat.on('error', () => {});
    await once(chat, 'accept');
    let chatting = true;
    let rounds = 0;
    chat.on('data', () => { rounds++; if (chatting) chat.write('x'); });
    chat.write('x');
    await windowSamples(300); // let it settle
    const shared = Math.min(...(await windowSamples(300)));
    chatting = false;
    running = false;
    t.diagnostic(`window alone ${alone}, shared ${shared}, echo rounds ${rounds}`);
    assert.ok(rounds > 10, `the echo loop ran (${rounds} rounds)`);
    assert.ok(shared < alone, `shared, the window came down to ${shared} from ${alone}`);
  } finally { await p.close(); }
});
