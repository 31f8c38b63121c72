import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { maskInto, unmaskInPlace } from '../../src/transport/ws-mask.js';

/** The XOR every RFC 6455 peer computes, byte by byte. */
function reference(source: Buffer, key: Buffer): Buffer {
  return Buffer.from(source.map((b, i) => b ^ key[i % 4]!));
}

test('masking gives the RFC 6455 XOR at every length, below and above the native call', () => {
  for (let length = 0; length <= 100; length++) {
    const source = randomBytes(length);
    const key = randomBytes(4);
    const out = Buffer.alloc(length + 7, 0xee);
    maskInto(source, key, out, 3, length);
    assert.ok(out.subarray(3, 3 + length).equals(reference(source, key)), `mask, length ${length}`);
    assert.ok(out.subarray(0, 3).equals(Buffer.alloc(3, 0xee)) && out.subarray(3 + length).equals(Buffer.alloc(4, 0xee)), `mask writes only its range, length ${length}`);
    const copy = Buffer.from(source);
    unmaskInPlace(copy, key);
    assert.ok(copy.equals(reference(source, key)), `unmask, length ${length}`);
  }
});
