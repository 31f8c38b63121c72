import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { MaskArena } from '../../src/transport/ws-frame.js';
import { PremaskedSlab } from '../../src/transport/ws-premask.js';
import { parseWsFrame } from '../helpers/ws-frame.js';

/** A client frame, parsed and unmasked as any receiver would. */
function unmask(buf: Buffer): { payload: Buffer } {
  const frame = parseWsFrame(buf);
  assert.equal(frame.masked, true, 'a client frame is masked');
  return frame;
}

test('frames cut anywhere from staged reads carry the original bytes, and each read goes out unmasked-copy-free once', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 14 }),
      (reads, cuts, headerLength) => {
        const slab = Buffer.alloc(64 * 1024);
        const pre = new PremaskedSlab();
        const plain = randomBytes(reads.reduce((a, b) => a + b, 0));
        const starts = new Map<number, number>(); // start → end of each staged read
        let at = 0;
        for (const n of reads) {
          // The stage reads from a shared buffer: staging must not change it.
          const from = Buffer.from(plain.subarray(at, at + n));
          pre.stage(from, n, slab, at);
          assert.ok(from.equals(plain.subarray(at, at + n)));
          starts.set(at, at + n);
          at += n;
        }
        assert.ok(!slab.subarray(0, at).equals(plain), 'staged bytes are masked');
        const arena = new MaskArena();
        const sentWhole = new Set<number>();
        let pos = 0;
        for (let c = 0; pos < at; c++) {
          const n = Math.min(cuts[c % cuts.length]!, at - pos);
          const header = randomBytes(headerLength);
          const payload = slab.subarray(pos, pos + n);
          const msg = pre.message(header, payload, arena);
          assert.ok(msg, 'a payload from the slab is recognised');
          const frame = unmask(Buffer.concat(msg));
          assert.ok(frame.payload.equals(Buffer.concat([header, plain.subarray(pos, pos + n)])), `frame at ${pos}+${n} unmasks to the original bytes`);
          const zeroCopy = msg[msg.length - 1] === payload;
          const startsARead = starts.has(pos) && pos + n <= starts.get(pos)!;
          assert.equal(zeroCopy, startsARead, 'a frame goes out without a copy exactly when it starts a read and stays within it');
          if (zeroCopy) {
            assert.ok(!sentWhole.has(pos), 'no read goes out without a copy twice');
            sentWhole.add(pos);
          }
          pos += n;
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a payload not staged in the slab is left to the usual masking', () => {
  const slab = Buffer.alloc(1024);
  const pre = new PremaskedSlab();
  assert.equal(pre.message(Buffer.alloc(10), Buffer.alloc(5), new MaskArena()), undefined, 'nothing staged yet');
  pre.stage(randomBytes(100), 100, slab, 0);
  assert.equal(pre.message(Buffer.alloc(10), Buffer.alloc(100), new MaskArena()), undefined, 'a buffer of its own');
  assert.equal(pre.message(Buffer.alloc(10), slab.subarray(200, 300), new MaskArena()), undefined, 'slab bytes never staged');
});

test('after the slab starts over, the same offsets take the new reads and their new keys', () => {
  const slab = Buffer.alloc(1024);
  const pre = new PremaskedSlab();
  const first = randomBytes(300);
  pre.stage(first, 300, slab, 0);
  const k1 = unmask(Buffer.concat(pre.message(Buffer.alloc(10), slab.subarray(0, 300), new MaskArena())!));
  assert.ok(k1.payload.subarray(10).equals(first));
  pre.reset();
  const second = randomBytes(200);
  pre.stage(second, 200, slab, 0);
  assert.equal(pre.message(Buffer.alloc(10), slab.subarray(200, 300), new MaskArena()), undefined, 'the old read is forgotten');
  const k2 = unmask(Buffer.concat(pre.message(Buffer.alloc(10), slab.subarray(0, 200), new MaskArena())!));
  assert.ok(k2.payload.subarray(10).equals(second));
});
