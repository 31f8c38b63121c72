import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fc from 'fast-check';
import { WebSocket, WebSocketServer } from 'ws';
import { WsFrameReader, WsOpcode, WsProtocolError } from '../../src/transport/ws-receive.js';
import { wsTransport } from '../../src/transport/ws.js';
import type { Transport } from '../../src/mux/index.js';

interface Frame { opcode: number; fin: boolean; payload: Buffer; key?: Buffer; rsv?: number }

/** Encodes one RFC 6455 frame (independently of src/transport/ws-frame.ts), masking when a key is given. */
function encode(f: Frame): Buffer {
  const len = f.payload.length;
  const ext = len < 126 ? 0 : len < 65_536 ? 2 : 8;
  const h = Buffer.alloc(2 + ext + (f.key ? 4 : 0));
  h[0] = (f.fin ? 0x80 : 0) | (f.rsv ?? 0) | f.opcode;
  h[1] = (f.key ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) h.writeUInt16BE(len, 2);
  if (ext === 8) h.writeBigUInt64BE(BigInt(len), 2);
  const body = Buffer.from(f.payload);
  if (f.key) {
    f.key.copy(h, 2 + ext);
    for (let i = 0; i < len; i++) body[i]! ^= f.key[i & 3]!;
  }
  return Buffer.concat([h, body]);
}

function collect(fromClient: boolean): { reader: WsFrameReader; data: Buffer[]; controls: [number, string][] } {
  const data: Buffer[] = [];
  const controls: [number, string][] = [];
  const reader = new WsFrameReader({ data: (v) => data.push(Buffer.from(v)), control: (op, p) => controls.push([op, p.toString('hex')]) }, fromClient);
  return { reader, data, controls };
}

const keyArb = fc.oneof(fc.constant(Buffer.alloc(4)), fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a)));

/** A message split in fragments, with control frames between some of them. */
const streamArb = fc.array(
  fc.record({
    fragments: fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
    pings: fc.array(fc.tuple(fc.constantFrom(WsOpcode.PING, WsOpcode.PONG), fc.uint8Array({ maxLength: 125 })), { maxLength: 2 }),
  }),
  { minLength: 1, maxLength: 6 },
);

for (const fromClient of [true, false]) {
  test(`any chunking of valid frames (${fromClient ? 'masked, from a client' : 'unmasked, from a server'}) gives the payloads in order`, () => {
    fc.assert(
      fc.property(streamArb, fc.array(keyArb, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), (messages, keys, cuts) => {
        const frames: Buffer[] = [];
        const expectData: Buffer[] = [];
        const expectControls: [number, string][] = [];
        let k = 0;
        const key = (): Buffer | undefined => (fromClient ? keys[k++ % keys.length] : undefined);
        for (const m of messages) {
          m.fragments.forEach((p, i) => {
            frames.push(encode({ opcode: i === 0 ? WsOpcode.BINARY : WsOpcode.CONTINUATION, fin: i === m.fragments.length - 1, payload: Buffer.from(p), key: key() }));
            expectData.push(Buffer.from(p));
            const c = m.pings[i];
            if (c) {
              frames.push(encode({ opcode: c[0], fin: true, payload: Buffer.from(c[1]), key: key() }));
              expectControls.push([c[0], Buffer.from(c[1]).toString('hex')]);
            }
          });
        }
        const all = Buffer.concat(frames);
        const { reader, data, controls } = collect(fromClient);
        let off = 0;
        for (let i = 0; off < all.length; i++) {
          const n = cuts[i % cuts.length]!;
          reader.push(Buffer.from(all.subarray(off, off + n)));
          off += n;
        }
        assert.ok(Buffer.concat(data).equals(Buffer.concat(expectData)));
        assert.deepEqual(controls, expectControls);
      }),
      { numRuns: 300 },
    );
  });
}

test('a 70,000-byte masked frame split across reads is unmasked with the key running on', () => {
  const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
  const all = encode({ opcode: WsOpcode.BINARY, fin: true, payload, key: Buffer.from([1, 2, 3, 4]) });
  const { reader, data } = collect(true);
  for (let off = 0; off < all.length; off += 4093) reader.push(Buffer.from(all.subarray(off, off + 4093)));
  assert.ok(Buffer.concat(data).equals(payload));
});

const bad: [string, boolean, Buffer, number, RegExp][] = [
  ['reserved bits', false, encode({ opcode: 2, fin: true, payload: Buffer.from('x'), rsv: 0x40 }), 1002, /reserved bits/],
  ['an unmasked frame from a client', true, encode({ opcode: 2, fin: true, payload: Buffer.from('x') }), 1002, /unmasked/],
  ['a masked frame from a server', false, encode({ opcode: 2, fin: true, payload: Buffer.from('x'), key: Buffer.alloc(4, 7) }), 1002, /masked/],
  ['a text frame', false, encode({ opcode: 1, fin: true, payload: Buffer.from('hi') }), 1003, /binary frames only/],
  ['a fragmented ping', false, encode({ opcode: 9, fin: false, payload: Buffer.from('x') }), 1002, /control frame/],
  ['an oversized close', false, encode({ opcode: 8, fin: true, payload: Buffer.alloc(126) }), 1002, /control frame/],
  ['a continuation without a message', false, encode({ opcode: 0, fin: true, payload: Buffer.from('x') }), 1002, /continuation/],
  ['a new message inside a fragmented one', false, Buffer.concat([encode({ opcode: 2, fin: false, payload: Buffer.from('a') }), encode({ opcode: 2, fin: true, payload: Buffer.from('b') })]), 1002, /before the previous/],
  ['an unknown opcode', false, encode({ opcode: 3, fin: true, payload: Buffer.alloc(0) }), 1002, /unknown websocket opcode/],
  ['a length beyond 2^53', false, Buffer.from([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 1]), 1002, /out of range/],
];
for (const [what, fromClient, bytes, code, message] of bad) {
  test(`rejects ${what} with close code ${code}, and stays failed`, () => {
    const { reader } = collect(fromClient);
    assert.throws(() => reader.push(bytes), (e: unknown) => e instanceof WsProtocolError && e.closeCode === code && message.test(e.message));
    assert.throws(() => reader.push(Buffer.from([0x82, 0])), WsProtocolError);
  });
}

test('arbitrary bytes never throw anything but a WsProtocolError', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 200 }), (fromClient, bytes) => {
      const { reader } = collect(fromClient);
      try {
        reader.push(Buffer.from(bytes));
      } catch (e) {
        assert.ok(e instanceof WsProtocolError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});

/** A server-side WsTransport facing an ordinary ws client (which masks with random keys, answers pings, closes properly). */
async function serverTransport(): Promise<{ t: Transport; client: WebSocket; done(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, clientTracking: false });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const made = new Promise<Transport>((resolve) => wss.once('connection', (ws) => resolve(wsTransport(ws))));
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  await once(client, 'open');
  const t = await made;
  return { t, client, done: () => new Promise((r) => wss.close(() => r())) };
}

test('a real ws client: binary messages arrive as bytes, pings are answered, a clean close is clean both ways', async () => {
  const { t, client, done } = await serverTransport();
  const got: Buffer[] = [];
  t.on('data', (b: Buffer) => got.push(Buffer.from(b)));
  client.send(Buffer.from('hello '));
  client.send(Buffer.alloc(100_000, 'x'));
  const pong = once(client, 'pong');
  client.ping(Buffer.from('are you there'));
  assert.equal(((await pong) as [Buffer])[0].toString(), 'are you there');
  assert.equal(Buffer.concat(got).length, 6 + 100_000);
  assert.equal(Buffer.concat(got).subarray(0, 6).toString(), 'hello ');
  const closed = once(t, 'close');
  const clientClosed = once(client, 'close');
  client.close(1000);
  assert.deepEqual(await closed, [undefined]);
  assert.equal(((await clientClosed) as [number])[0], 1000);
  await done();
});

test('the transport closes first: the client sees 1000 and the transport a clean close', async () => {
  const { t, client, done } = await serverTransport();
  t.on('data', () => {});
  const clientClosed = once(client, 'close');
  const closed = once(t, 'close');
  t.close();
  assert.equal(((await clientClosed) as [number])[0], 1000);
  assert.deepEqual(await closed, [undefined]);
  await done();
});

test('a text message gets close code 1003 and ends the transport with an error', async () => {
  const { t, client, done } = await serverTransport();
  t.on('data', () => {});
  const clientClosed = once(client, 'close');
  const closed = once(t, 'close');
  client.send('not binary');
  assert.equal(((await clientClosed) as [number])[0], 1003);
  const [err] = (await closed) as [Error];
  assert.match(err.message, /binary frames only/);
  await done();
});

test('a client that drops the connection without a close frame is an abnormal close (1006)', async () => {
  const { t, client, done } = await serverTransport();
  t.on('data', () => {});
  const closed = once(t, 'close');
  client.terminate();
  const [err] = (await closed) as [Error];
  assert.match(err.message, /1006/);
  await done();
});

test('bytes sent before the session listens are held, not lost', async () => {
  const { t, client, done } = await serverTransport();
  client.send(Buffer.from('early'));
  await new Promise((r) => setTimeout(r, 50));
  const got = once(t, 'data');
  assert.equal(((await got) as [Buffer])[0].toString(), 'early');
  t.destroy();
  await done();
});
