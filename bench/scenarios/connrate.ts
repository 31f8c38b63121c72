/** Scenario 6: new connections per second, each a 1-byte request and 1-byte response, 32 at a time. */
import { runLoad } from '../load/driver.js';
import type { ConnRateResult } from '../load/connrate.js';
import type { Scenario } from './types.js';
import { NODE_RELAYS_TLS } from '../participants/node-relays.js';

export const connRate: Scenario = {
  id: 's6',
  title: 'Connection rate (concurrency 32)',
  // TLS relays shake hands for every connection, a tunnel once per session: no floor for this one.
  appliesTo: (p) => p.name !== NODE_RELAYS_TLS,
  async run({ running, profile }) {
    const ms = profile.connSeconds * 1000;
    const r = await runLoad<ConnRateResult>('connrate', { port: running.ports.rr, concurrency: profile.connConcurrency, durationMs: ms, warmupMs: profile.connWarmupMs }, ms + profile.connWarmupMs + 30_000);
    // A tunnel that drops connections must not look fast: failures are reported beside the rate.
    return { 's6.rate': r.perSec, 's6.errors': r.errors };
  },
};
