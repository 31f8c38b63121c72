/** Scenario 5: wrk, 64 connections, to nginx through the participant (TCP route, and HTTP-by-Host where there is one). */
import { runWrk } from '../tools/wrk.js';
import type { Figures, Scenario } from './types.js';

export const httpScenario: Scenario = {
  id: 's5',
  title: 'HTTP (wrk -c64 → nginx)',
  appliesTo: () => true,
  async run({ running, profile }) {
    const out: Figures = {};
    const tcp = await runWrk(running.ports.http, profile.httpSeconds, profile.httpConnections);
    out['s5.tcp.rps'] = tcp.rps;
    out['s5.tcp.p99'] = tcp.p99Ms;
    if (running.httpRoute) {
      const host = await runWrk(running.httpRoute.port, profile.httpSeconds, profile.httpConnections, running.httpRoute.host);
      out['s5.host.rps'] = host.rps;
      out['s5.host.p99'] = host.p99Ms;
    }
    return out;
  },
};
