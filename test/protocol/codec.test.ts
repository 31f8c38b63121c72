import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AditError, FrameDecoder, FrameType, MAX_FRAME_PAYLOAD, WireCode,
  encodeAccept, encodeData, encodeGoaway, encodeHello, encodeOpen, encodePing, encodeRst, encodeWindow, encodeHeader,
} from '../../src/protocol/index.js';
import { collector, type Decoded } from './collect.js';

test('vectors: the byte layout of each frame type', () => {
  assert.equal(encodeData(1, Buffer.from('hi'), true).toString('hex'), '0001' + '00000001' + '00000002' + '6869');
  assert.equal(encodeWindow(6, 65536).toString('hex'), '0400' + '00000006' + '00000004' + '00010000');
  assert.equal(encodeAccept(3, 262144).toString('hex'), '0200' + '00000003' + '00000004' + '00040000');
  assert.equal(encodeRst(5, WireCode.CONNECT_REFUSED, 'no').toString('hex'), '0300' + '00000005' + '00000006' + '0000000a' + '6e6f');
  assert.equal(encodePing(Buffer.from('0102030405060708', 'hex'), true).toString('hex'), '0501' + '00000000' + '00000008' + '0102030405060708');
  assert.equal(encodeGoaway(7, 0, '').toString('hex'), '0600' + '00000000' + '00000008' + '00000007' + '00000000');
  const open = encodeOpen(1, 1024, { route: 'tcp:80' });
  assert.equal(open.subarray(0, 14).toString('hex'), '0100' + '00000001' + '00000016' + '00000400');
  assert.equal(open.subarray(14).toString(), '{"route":"tcp:80"}');
  assert.equal(encodeHello({ v: 1 }).subarray(10).toString(), '{"v":1}');
});

const frameArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ maxLength: 3000 }), fc.boolean()).map(([id, p, fin]) => encodeData(id, Buffer.from(p), fin)),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.string({ maxLength: 40 })).map(([id, w, r]) => encodeOpen(id, w, { route: r, peer: '1.2.3.4:5' })),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })).map(([id, w]) => encodeAccept(id, w)),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 30 }), fc.string({ maxLength: 50 })).map(([id, c, r]) => encodeRst(id, c, r)),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([id, i]) => encodeWindow(id, i)),
  fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean()).map(([o, ack]) => encodePing(Buffer.from(o), ack)),
  fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 30 }), fc.string({ maxLength: 50 })).map(([l, c, r]) => encodeGoaway(l, c, r)),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }).map((d) => encodeHello({ ...d, v: 1 })),
);

/** Splits a buffer at arbitrary points. */
function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) { out.push(buf.subarray(prev, p)); prev = p; }
  out.push(buf.subarray(prev));
  return out;
}

function decodeChunks(chunks: Buffer[]): Decoded[] {
  const { frames, decoder } = collector();
  for (const c of chunks) decoder.push(c);
  return frames;
}

test('property: any chunking of a valid frame sequence decodes to the same frames', () => {
  fc.assert(fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
    const whole = Buffer.concat(frames);
    const expected = decodeChunks([whole]);
    assert.equal(expected.length, frames.length);
    assert.deepEqual(decodeChunks(chunked(whole, cuts)), expected);
    // byte-at-a-time is the worst case for a restartable parser
    if (whole.length < 4000) assert.deepEqual(decodeChunks([...whole].map((b) => Buffer.from([b]))), expected);
  }), { numRuns: 400 });
});

test('property: arbitrary bytes never throw anything but a coded AditError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
    const { decoder } = collector();
    try {
      for (const c of chunked(Buffer.from(bytes), cuts)) decoder.push(c);
    } catch (err) {
      assert.ok(err instanceof AditError, `not an AditError: ${String(err)}`);
      assert.match(err.code, /^ADIT_ERR_/);
      assert.equal(typeof err.wireCode, 'number');
    }
  }), { numRuns: 3000 });
});

test('malformed input gives coded protocol errors', () => {
  const cases: [Buffer, string][] = [
    [encodeHeader(0x09, 0, 1, 0), 'ADIT_ERR_PROTOCOL_ERROR'], // unknown type
    [encodeHeader(FrameType.DATA, 0, 1, MAX_FRAME_PAYLOAD + 1), 'ADIT_ERR_FRAME_SIZE_ERROR'], // oversized
    [encodeHeader(FrameType.DATA, 0, 1, 0xffffffff), 'ADIT_ERR_FRAME_SIZE_ERROR'],
    [encodeHeader(FrameType.PING, 0, 3, 8), 'ADIT_ERR_PROTOCOL_ERROR'], // session frame on a stream
    [encodeHeader(FrameType.OPEN, 0, 0, 10), 'ADIT_ERR_PROTOCOL_ERROR'], // stream frame on stream 0
    [encodeHeader(FrameType.WINDOW, 0, 1, 3), 'ADIT_ERR_FRAME_SIZE_ERROR'],
    [Buffer.concat([encodeHeader(FrameType.WINDOW, 0, 1, 4), Buffer.alloc(4)]), 'ADIT_ERR_PROTOCOL_ERROR'], // zero increment
    [Buffer.concat([encodeHeader(FrameType.HELLO, 0, 0, 3), Buffer.from('{x}')]), 'ADIT_ERR_PROTOCOL_ERROR'],
    [Buffer.concat([encodeHeader(FrameType.HELLO, 0, 0, 2), Buffer.from('[]')]), 'ADIT_ERR_PROTOCOL_ERROR'],
    [Buffer.concat([encodeHeader(FrameType.OPEN, 0, 1, 6), Buffer.from('\0\0\0\0{}')]), 'ADIT_ERR_PROTOCOL_ERROR'], // no route
  ];
  for (const [bytes, code] of cases) {
    const { decoder } = collector();
    assert.throws(() => decoder.push(bytes), (e: unknown) => e instanceof AditError && e.code === code, bytes.toString('hex'));
    // a failed decoder stays failed
    assert.throws(() => decoder.push(Buffer.alloc(1)), AditError);
  }
});

test('DATA payloads are passed on as views, not copies, when whole in a chunk', () => {
  const pieces: Buffer[] = [];
  const input = encodeData(1, Buffer.alloc(1000, 1), false);
  new FrameDecoder({ dataStart() {}, data(_, c) { pieces.push(c); }, dataEnd() {}, control() {} }).push(input);
  assert.equal(pieces.length, 1);
  assert.equal(pieces[0]!.buffer, input.buffer);
});
