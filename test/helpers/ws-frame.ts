/** Reading RFC 6455 frames in tests, the way any receiver would. */
import assert from 'node:assert/strict';

/** Parses one RFC 6455 frame the way any receiver would, unmasking it. */
export function parseWsFrame(buf: Buffer): { fin: boolean; opcode: number; masked: boolean; key: Buffer | null; payload: Buffer } {
  const fin = (buf[0]! & 0x80) !== 0;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let off = 2;
  if (len === 126) { len = buf.readUInt16BE(2); off = 4; } else if (len === 127) { len = Number(buf.readBigUInt64BE(2)); off = 10; }
  const key = masked ? buf.subarray(off, off + 4) : null;
  if (masked) off += 4;
  const payload = Buffer.from(buf.subarray(off, off + len));
  assert.equal(buf.length, off + len, 'frame length matches its header');
  if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
  return { fin, opcode, masked, key, payload };
}
