/**
 * fast-check generators for hostile frame streams: valid frames, frames with
 * lying headers, random bytes, and mutations of all of these, cut into
 * arbitrary chunks.
 */
import fc from 'fast-check';
import {
  HEADER_BYTES, encodeAccept, encodeData, encodeGoaway, encodeHeader, encodeHello, encodeOpen,
  encodePing, encodeRst, encodeWindow,
} from '../../../src/protocol/index.js';

/** Small ids hit real streams; a few extremes hit the edges. */
export const streamIdArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 9 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x7fff_ffff, 0xffff_fffe, 0xffff_ffff) },
);

const u32 = fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff));
const payloadArb = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const jsonish = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.constantFrom('{"route":"tcp:6143"}', '{"route":"tcp:6143","peer":"1.2.3.4:5"}', '{"route":7}', '{"v":1}', '{"v":1,"caps":[1]}', '[]', 'null', '{'),
);

/** One frame, valid in shape (the decoder must accept it; a session may still reject it). */
export const validFrameArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(streamIdArb.filter((i) => i !== 0), payloadArb, fc.boolean()).map(([id, p, fin]) => encodeData(id, p, fin)),
  fc.tuple(streamIdArb.filter((i) => i !== 0), fc.integer({ min: 0, max: 0x7fff_ffff }), fc.constantFrom('tcp:6143', 'http:a.example', ''), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }))
    .map(([id, w, route, peer]) => encodeOpen(id, w, peer === undefined ? { route } : { route, peer })),
  fc.tuple(streamIdArb.filter((i) => i !== 0), fc.integer({ min: 0, max: 0x7fff_ffff })).map(([id, w]) => encodeAccept(id, w)),
  fc.tuple(streamIdArb.filter((i) => i !== 0), fc.integer({ min: 0, max: 25 }), fc.string({ maxLength: 30 })).map(([id, c, r]) => encodeRst(id, c, r)),
  fc.tuple(streamIdArb, fc.integer({ min: 1, max: 0x7fff_ffff })).map(([id, inc]) => encodeWindow(id, inc)),
  fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean()).map(([o, ack]) => encodePing(Buffer.from(o), ack)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 25 }), fc.string({ maxLength: 30 })).map(([last, c, r]) => encodeGoaway(last, c, r)),
  fc.constantFrom(1, 1, 1, 2, 0).map((v) => encodeHello({ v, caps: ['x'] })),
);

/** A header that may lie about anything, followed by whatever payload. */
export const rawFrameArb: fc.Arbitrary<Buffer> = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), streamIdArb, u32, fc.oneof(payloadArb, jsonish.map((j) => Buffer.from(j))))
  .map(([type, flags, id, len, p]) => {
    const realType = type % 3 === 0 ? type % 8 : type; // bias towards known types
    const realLen = len % 4 === 0 ? p.length : len; // an honest length a quarter of the time
    return Buffer.concat([encodeHeader(realType, flags, id, realLen), p]);
  });

export const garbageArb = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));

export const hostileFrameArb = fc.oneof({ weight: 6, arbitrary: validFrameArb }, { weight: 3, arbitrary: rawFrameArb }, { weight: 1, arbitrary: garbageArb });

/** Flips, inserts or deletes a few bytes. */
export function mutate(buf: Buffer, edits: [number, number, number][]): Buffer {
  let b = Buffer.from(buf);
  for (const [kind, pos, val] of edits) {
    if (b.length === 0) break;
    const at = pos % b.length;
    if (kind === 0) b[at] = val;
    else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([val]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  }
  return b;
}
export const editsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 });

/** Cut points for arbitrary chunking: sizes of consecutive chunks (1..n bytes). */
export const cutsArb = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 });

export function chunk(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  for (const c of cuts) {
    if (off >= buf.length) break;
    out.push(buf.subarray(off, off + c));
    off += c;
  }
  if (off < buf.length) out.push(buf.subarray(off));
  return out;
}

export { HEADER_BYTES };
