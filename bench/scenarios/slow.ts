/**
 * Scenario 8: one visitor stops reading during a bulk send. Peak RSS growth of the tunnel's processes
 * while it is stalled, and the throughput another stream keeps meanwhile (vs the same stream alone).
 */
import { LoadChild } from '../load/driver.js';
import type { SlowResult } from '../load/slow.js';
import { rssProbe, type Role } from './rss.js';
import type { Scenario } from './types.js';

const MIB = 1048576;

export const slowReader: Scenario = {
  id: 's8',
  title: 'Slow reader',
  appliesTo: (p) => p.kind === 'tunnel',
  async run({ running, profile }) {
    const probe = rssProbe(running.watched);
    const phase = { solo: { base: probe.read(), peak: probe.read() }, stall: { base: probe.read(), peak: probe.read() } };
    let current: keyof typeof phase | undefined;
    const sample = () => {
      if (!current) return;
      const now = probe.read();
      const p = phase[current].peak;
      for (const r of ['server', 'client'] as Role[]) p[r] = Math.max(p[r], now[r]);
    };
    const timer = setInterval(sample, 20);
    const load = new LoadChild('slow', { port: running.ports.source, durationMs: profile.slowMs, settleMs: profile.slowSettleMs }, 60_000);
    load.onEvent((e) => {
      if (e.event === 'solo-begin' || e.event === 'stall-begin') {
        current = e.event === 'solo-begin' ? 'solo' : 'stall';
        phase[current].base = probe.read();
        phase[current].peak = { ...phase[current].base };
      } else if (e.event === 'solo-end' || e.event === 'stall-end') {
        sample();
        current = undefined;
      }
    });
    try {
      const r = (await load.done) as unknown as SlowResult;
      const growth = (k: keyof typeof phase, role: Role) => (phase[k].peak[role] - phase[k].base[role]) / MIB;
      return {
        's8.solo': (r.soloBps * 8) / 1e9,
        's8.beside': (r.besideStalledBps * 8) / 1e9,
        's8.keep': (r.besideStalledBps / r.soloBps) * 100,
        's8.grow.server': growth('stall', 'server'),
        's8.grow.client': growth('stall', 'client'),
        's8.solo.grow.server': growth('solo', 'server'),
        's8.solo.grow.client': growth('solo', 'client'),
      };
    } finally {
      clearInterval(timer);
      load.kill();
    }
  },
};
