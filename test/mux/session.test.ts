import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { WireCode, type AditError } from '../../src/protocol/index.js';
import type { MuxStream } from '../../src/mux/index.js';
import { socketPair, wsPair, memoryPair, echo, type Pair } from './pair.js';

async function readAll(s: MuxStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

for (const [name, make] of [['socket', socketPair], ['ws', wsPair], ['memory', memoryPair]] as const) {
  test(`${name}: echo round trip of 5 MiB keeps every byte`, async () => {
    const p: Pair = await make();
    try {
      echo(p.b);
      const s = p.a.open({ route: 'tcp:1' });
      const data = randomBytes(5 * 1024 * 1024);
      const got = readAll(s);
      s.end(data);
      assert.equal(createHash('sha256').update(await got).digest('hex'), createHash('sha256').update(data).digest('hex'));
    } finally { await p.close(); }
  });
}

test('half-close: one side ends, the other still sends 10 MiB back, both see the right ends', async () => {
  const p = await socketPair();
  try {
    const payload = randomBytes(10 * 1024 * 1024);
    let serverSawEnd = false;
    p.b.on('stream', (st: MuxStream) => {
      st.accept();
      st.on('end', () => {
        serverSawEnd = true;
        // the reverse direction still flows after the peer's FIN
        st.end(payload);
      });
      st.resume();
    });
    const s = p.a.open({ route: 'tcp:1' });
    const finished = once(s, 'finish');
    s.end(Buffer.from('request'));
    await finished;
    const got = await readAll(s);
    assert.ok(serverSawEnd);
    assert.equal(got.length, payload.length);
    assert.ok(got.equals(payload));
  } finally { await p.close(); }
});

test('a refused open ends only that stream; the session and other streams go on', async () => {
  const p = await socketPair();
  try {
    p.b.on('stream', (st: MuxStream) => {
      if (st.meta.route === 'bad') st.refuse(WireCode.CONNECT_REFUSED, 'nothing listens there');
      else { st.accept(); st.pipe(st); }
    });
    const good = p.a.open({ route: 'good' });
    const bad = p.a.open({ route: 'bad' });
    const [err] = (await once(bad, 'error')) as [AditError];
    assert.equal(err.code, 'ADIT_ERR_CONNECT_REFUSED');
    assert.equal(err.wireCode, WireCode.CONNECT_REFUSED);
    assert.match(err.message, /nothing listens there/);
    const got = readAll(good);
    good.end('still here');
    assert.equal((await got).toString(), 'still here');
    assert.equal(p.a.isClosed, false);
  } finally { await p.close(); }
});

test('destroy(err) resets the far side with an error, never a clean end', async () => {
  const p = await socketPair();
  try {
    const far = once(p.b, 'stream') as Promise<[MuxStream]>;
    const s = p.a.open({ route: 'x' });
    const [st] = await far;
    st.accept();
    await once(s, 'accept');
    let ended = false;
    st.on('end', () => { ended = true; });
    st.resume();
    s.on('error', () => {});
    s.write('partial');
    const e = Object.assign(new Error('upstream died'), { code: 'ECONNRESET' });
    s.destroy(e);
    const [err] = (await once(st, 'error')) as [AditError];
    assert.equal(err.wireCode, WireCode.CONNECTION_RESET);
    assert.equal(ended, false);
  } finally { await p.close(); }
});

test('pipeline and a stream piped through many streams at once', async () => {
  const p = await wsPair();
  try {
    echo(p.b);
    const runs = Array.from({ length: 50 }, async (_, i) => {
      const s = p.a.open({ route: `r${i}` });
      const data = randomBytes(64 * 1024 + i);
      const got = readAll(s);
      await pipeline(async function* () { yield data; }, s);
      assert.ok((await got).equals(data));
    });
    await Promise.all(runs);
  } finally { await p.close(); }
});
