import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { wsMessage } from '../../src/transport/ws-frame.js';

/** Parses one RFC 6455 frame the way any receiver would, unmasking it. */
function parse(buf: Buffer): { fin: boolean; opcode: number; masked: boolean; key: Buffer | null; payload: Buffer } {
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

for (const mode of ['none', 'zero', 'random'] as const) {
  for (const size of [0, 1, 115, 116, 65_525, 65_526, 70_000]) {
    test(`${mode} mask, payload ${size}: one binary message carrying header and payload`, () => {
      const header = randomBytes(10);
      const payload = randomBytes(size);
      const frame = parse(Buffer.concat(wsMessage(header, size ? payload : undefined, mode)));
      assert.equal(frame.fin, true);
      assert.equal(frame.opcode, 2);
      assert.equal(frame.masked, mode !== 'none');
      if (mode === 'zero') assert.deepEqual([...frame.key!], [0, 0, 0, 0]);
      assert.ok(frame.payload.equals(Buffer.concat([header, payload])));
    });
  }
}

test('random keys differ from frame to frame', () => {
  const keys = new Set(Array.from({ length: 50 }, () => {
    const [h] = wsMessage(Buffer.alloc(10), undefined, 'random');
    return h!.subarray(h!.length - 4).toString('hex');
  }));
  assert.ok(keys.size > 45);
});
