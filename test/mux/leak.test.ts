import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MuxStream } from '../../src/mux/index.js';
import { socketPair, type Pair } from './pair.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function settle(): Promise<number> {
  for (let i = 0; i < 3; i++) { await new Promise((r) => setImmediate(r)); gc(); }
  return process.memoryUsage().heapUsed;
}

/** One round in its own function, so nothing of it stays reachable from the test's frame. */
async function openAndCloseAll(p: Pair): Promise<void> {
  const streams = Array.from({ length: 10_000 }, (_, i) => p.a.open({ route: `r${i}`, peer: '127.0.0.1:1' }));
  await Promise.all(streams.map((s) => once(s, 'accept')));
  assert.equal(p.a.streamCount, 10_000);
  assert.equal(p.b.streamCount, 10_000);
  const replies = streams.map((s) => new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => resolve(Buffer.concat(parts).toString()));
    s.on('error', reject);
  }));
  for (const s of streams) s.end('hi');
  const got = await Promise.all(replies);
  assert.ok(got.every((g) => g === 'bye'));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.a.streamCount, 0, 'initiator forgot every stream');
  assert.equal(p.b.streamCount, 0, 'acceptor forgot every stream');
}

test('10,000 concurrent streams open and close with no leak of timers, listeners or memory', { timeout: 120_000 }, async () => {
  const p = await socketPair({ maxStreams: 20_000 });
  try {
    p.b.on('stream', (st: MuxStream) => {
      st.accept();
      st.on('data', () => {});
      st.on('end', () => st.end('bye'));
    });
    await openAndCloseAll(p); // warm-up: pools and JIT code are not leaks
    const baseHeap = await settle();
    const baseResources = resources();
    const baseListeners = p.a.listenerCount('close') + p.b.listenerCount('stream');

    for (let round = 0; round < 3; round++) await openAndCloseAll(p);
    const heap = await settle();
    assert.deepEqual(resources(), baseResources, 'no timer or handle left behind');
    assert.equal(p.a.listenerCount('close') + p.b.listenerCount('stream'), baseListeners);
    assert.ok(heap - baseHeap < 8 * 1024 * 1024, `heap grew by ${((heap - baseHeap) / 1048576).toFixed(1)} MiB`);
  } finally { await p.close(); }
});
