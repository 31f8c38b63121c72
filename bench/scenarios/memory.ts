/**
 * Scenario 7: RSS of a fresh server and client idle, then holding N idle connections end to end
 * (each proven with one echoed byte). Reports the per-connection cost across both processes.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadChild } from '../load/driver.js';
import type { IdleResult } from '../load/idle.js';
import { rssProbe } from './rss.js';
import type { Scenario } from './types.js';
import { NODE_RELAYS } from '../participants/node-relays.js';

const MIB = 1048576;
let instance = 0;

export const memory: Scenario = {
  id: 's7',
  title: 'Memory: idle, then many idle connections (10,000 by default)',
  // socat forks a process per connection: its "server RSS" would be 10,000 processes. The ssh cipher
  // does not change per-channel memory, so one ssh variant. The node relays hold two sockets per
  // connection in each process (no floor for memory), and 12 of 10,000 failed there (ECONNRESET).
  appliesTo: (p) => p.kind === 'tunnel' && !p.name.includes('aes128-gcm') && !p.name.startsWith(NODE_RELAYS),
  async run({ participant, targets, profile, workDir }) {
    const fresh = await participant.start(targets, join(workDir, `fresh-${++instance}`));
    try {
      await sleep(1500);
      const probe = rssProbe(fresh.watched);
      const start = probe.read();
      // "Idle" is a process that has had time to settle: V8 shrinks its young generation about 8 s
      // after the last activity, so a read 1.5 s after start-up still holds start-up garbage. Both are reported.
      await sleep(profile.memorySettleMs - 1500);
      const idle = probe.read();
      // OpenSSH opens channels ever slower as they accumulate (10,000 took 84-130 s here); its
      // per-connection cost is linear (measured 66.9 KiB at 10,000 and 67.2 KiB at 2,000), so it holds fewer.
      const count = participant.name.startsWith('ssh') ? Math.min(2000, profile.idleConnections) : profile.idleConnections;
      const load = new LoadChild('idle', { port: fresh.ports.echo, count, concurrency: 200 }, 180_000);
      try {
        const ready = (await load.waitFor('ready')) as unknown as IdleResult;
        if (ready.failed > 0) throw new Error(`${ready.failed} of ${count} idle connections failed (${ready.firstError})`);
        await sleep(1500);
        // Trees are resolved again: sshd's session child exists only once connected.
        const early = rssProbe(fresh.watched).read();
        await sleep(profile.memorySettleMs - 1500);
        const held = rssProbe(fresh.watched).read();
        load.send('stop');
        await load.done;
        const growth = (r: typeof held): number => (r.server - idle.server + (r.client - idle.client)) / ready.opened / 1024;
        return {
          's7.start.server': start.server / MIB,
          's7.start.client': start.client / MIB,
          's7.idle.server': idle.server / MIB,
          's7.idle.client': idle.client / MIB,
          's7.held.server': held.server / MIB,
          's7.held.client': held.client / MIB,
          's7.perconn.early': growth(early),
          's7.perconn': growth(held),
          's7.openms': ready.openMs,
          's7.conns': ready.opened,
        };
      } finally {
        load.kill();
      }
    } finally {
      await fresh.stop();
    }
  },
};
