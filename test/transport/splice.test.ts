import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { MuxStream } from '../../src/mux/index.js';
import { WireCode, type AditError } from '../../src/protocol/index.js';
import { splice } from '../../src/transport/splice.js';
import { socketPair, type Pair } from '../mux/pair.js';

/**
 * The tunnel in miniature, through real sockets: visitor → listener → splice →
 * stream (session a) … stream (session b) → splice → dialled socket → target.
 */
interface Rig {
  port: number;
  counted: { fromVisitor: number; toVisitor: number; fromTarget: number; toTarget: number };
  /** Far-side streams (session b), in order of arrival. */
  far: MuxStream[];
  closed: Promise<void>[];
  close(): Promise<void>;
}

async function rig(target: net.Server, pair?: Pair): Promise<Rig> {
  const p = pair ?? await socketPair();
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const targetPort = (target.address() as net.AddressInfo).port;
  const counted = { fromVisitor: 0, toVisitor: 0, fromTarget: 0, toTarget: 0 };
  const far: MuxStream[] = [];
  const closed: Promise<void>[] = [];
  p.b.on('stream', (st: MuxStream) => {
    far.push(st);
    const sock = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    sock.once('connect', () => {
      st.accept();
      closed.push(splice(sock, st, { fromSocket: (n) => (counted.fromTarget += n), fromStream: (n) => (counted.toTarget += n) }));
    });
  });
  const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    const st = p.a.open({ route: 'test', peer: `${socket.remoteAddress}:${socket.remotePort}` });
    closed.push(splice(socket, st, { fromSocket: (n) => (counted.fromVisitor += n), fromStream: (n) => (counted.toVisitor += n) }));
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return {
    port: (listener.address() as net.AddressInfo).port,
    counted, far, closed,
    async close() {
      listener.close();
      target.close();
      await p.close();
    },
  };
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

test('bytes arrive intact both ways under backpressure, FIN per direction, counters exact', async () => {
  const echo = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  const r = await rig(echo);
  try {
    const payload = randomBytes(8 * 1024 * 1024);
    const v = net.connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    await once(v, 'connect');
    const back: Buffer[] = [];
    const ended = once(v, 'end');
    v.write(payload);
    v.end();
    // Nobody reads for a while: the echo fills every buffer and each hop has to hold back.
    v.pause();
    await new Promise((res) => setTimeout(res, 300));
    v.on('data', (c: Buffer) => back.push(c));
    v.resume();
    await ended;
    v.end();
    await Promise.all(r.closed);
    const got = Buffer.concat(back);
    assert.equal(got.length, payload.length);
    assert.equal(sha(got), sha(payload));
    assert.deepEqual(r.counted, { fromVisitor: payload.length, toVisitor: payload.length, fromTarget: payload.length, toTarget: payload.length });
  } finally {
    await r.close();
  }
});

test('the target ends first: the visitor sees the answer and a clean end, then its own late bytes and FIN still reach the target', async () => {
  let targetGot = '';
  let targetError: string | undefined;
  let targetDone!: () => void;
  const targetFinished = new Promise<void>((resolve) => (targetDone = resolve));
  const t = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', (e: NodeJS.ErrnoException) => { targetError = e.code; targetDone(); });
    s.on('data', (c: Buffer) => {
      if (targetGot === '') s.end('k'); // answer and half-close at once
      targetGot += c.toString();
    });
    s.on('end', () => targetDone());
  });
  const r = await rig(t);
  try {
    const v = net.connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    let answer = '';
    v.on('data', (c: Buffer) => (answer += c.toString()));
    v.write('q');
    await once(v, 'end');
    assert.equal(answer, 'k');
    // The visitor may still send after the target's FIN (half-close); then it ends too.
    v.end('more');
    await targetFinished;
    assert.equal(targetError, undefined);
    assert.equal(targetGot, 'qmore');
    await Promise.all(r.closed);
  } finally {
    await r.close();
  }
});

test('a visitor reset resets the stream with CONNECTION_RESET and the target sees a reset, not an end', async () => {
  let targetSocket: net.Socket | undefined;
  let byteArrived!: () => void;
  const gotByte = new Promise<void>((resolve) => (byteArrived = resolve));
  const t = net.createServer({ allowHalfOpen: true }, (s) => {
    targetSocket = s;
    s.once('data', () => byteArrived());
  });
  const r = await rig(t);
  try {
    const v = net.connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    v.on('error', () => undefined);
    v.write('x');
    await gotByte;
    const targetOutcome = new Promise<string>((resolve) => {
      targetSocket!.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      targetSocket!.on('end', () => resolve('clean end'));
    });
    const farError = new Promise<AditError>((resolve) => r.far[0]!.once('error', (e) => resolve(e as AditError)));
    v.resetAndDestroy();
    assert.equal((await farError).wireCode, WireCode.CONNECTION_RESET);
    assert.equal(await targetOutcome, 'ECONNRESET');
    await Promise.all(r.closed);
  } finally {
    await r.close();
  }
});

test('a target reset reaches the visitor as a reset, not an end', async () => {
  const t = net.createServer({ allowHalfOpen: true }, (s) => {
    s.once('data', () => s.resetAndDestroy());
  });
  const r = await rig(t);
  try {
    const v = net.connect({ host: '127.0.0.1', port: r.port, allowHalfOpen: true });
    const outcome = new Promise<string>((resolve) => {
      v.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      v.on('end', () => resolve('clean end'));
    });
    v.write('x');
    assert.equal(await outcome, 'ECONNRESET');
    await Promise.all(r.closed);
  } finally {
    await r.close();
  }
});

test('many short connections in parallel each get their answer and a clean end', async () => {
  const rr = net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end('k'));
    s.on('end', () => s.end());
  });
  const r = await rig(rr);
  try {
    const one = (): Promise<string> => new Promise((resolve, reject) => {
      const v = net.connect({ host: '127.0.0.1', port: r.port });
      let got = '';
      v.on('data', (c: Buffer) => (got += c.toString()));
      v.on('end', () => { v.destroy(); resolve(got); });
      v.on('error', reject);
      v.write('q');
    });
    const answers = await Promise.all(Array.from({ length: 200 }, one));
    assert.ok(answers.every((a) => a === 'k'));
    await Promise.all(r.closed);
    assert.equal(r.counted.fromVisitor, 200);
    assert.equal(r.counted.toVisitor, 200);
  } finally {
    await r.close();
  }
});
