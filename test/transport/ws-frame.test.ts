import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { wsMessage } from '../../src/transport/ws-frame.js';
import { parseWsFrame as parse } from '../helpers/ws-frame.js';

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
