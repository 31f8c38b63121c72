import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { AditClient } from '../../src/client/client.js';
import { Backoff } from '../../src/client/backoff.js';
import { parseUpstreams } from '../../src/client/upstream.js';
import { freePort } from '../helpers/adit.js';

describe('backoff', () => {
  it('doubles up to the cap, with jitter inside [ceiling/2, ceiling]', () => {
    const lo = new Backoff({ min: 100, max: 1000, random: () => 0 });
    const hi = new Backoff({ min: 100, max: 1000, random: () => 1 });
    assert.deepEqual(Array.from({ length: 6 }, () => lo.next()), [50, 100, 200, 400, 500, 500]);
    assert.deepEqual(Array.from({ length: 6 }, () => hi.next()), [100, 200, 400, 800, 1000, 1000]);
    hi.reset();
    assert.equal(hi.next(), 100);
  });

  it('the client retries forever with growing delays (injected delay, no sleeping)', async () => {
    const port = await freePort(); // nothing listens there: every attempt fails with ECONNREFUSED
    const delays: number[] = [];
    let client: AditClient | undefined = undefined;
    const done = new Promise<void>((resolve) => {
      client = new AditClient({
        url: `ws://127.0.0.1:${port}/tunnel`, token: 't', id: 'c', upstreams: parseUpstreams(['tcp:7000=127.0.0.1:1']),
        strictForwarding: true, insecure: false, dialTimeout: 1000, keepaliveInterval: 1000, keepaliveTimeout: 3000,
        backoffMin: 100, backoffMax: 800, random: () => 1, logger: pino({ level: 'silent' }),
        delay: async (ms) => {
          delays.push(ms);
          if (delays.length === 7) resolve();
        },
      });
      client.start();
    });
    await done;
    await client!.close();
    assert.deepEqual(delays.slice(0, 7), [100, 200, 400, 800, 800, 800, 800]);
    assert.equal(client!.state, 'closed');
  });
});
