/** Scenarios 1 and 2: iperf3 through the participant, one stream both ways, then 8 parallel streams. */
import { runIperf } from '../tools/iperf.js';
import type { Scenario } from './types.js';

const GBIT = 1e9;

export const bulkOne: Scenario = {
  id: 's1',
  title: 'Bulk, one stream (iperf3)',
  appliesTo: () => true,
  async run({ running, targets, profile, workDir }) {
    const base = { targetPort: targets.iperf, publicPort: running.ports.iperf, seconds: profile.bulkSeconds, logDir: workDir };
    const fwd = await runIperf(base);
    const rev = await runIperf({ ...base, reverse: true });
    return { 's1.fwd': fwd / GBIT, 's1.rev': rev / GBIT };
  },
};

export const bulkEight: Scenario = {
  id: 's2',
  title: 'Bulk, 8 parallel streams (iperf3 -P 8)',
  appliesTo: () => true,
  async run({ running, targets, profile, workDir }) {
    const bps = await runIperf({ targetPort: targets.iperf, publicPort: running.ports.iperf, seconds: profile.bulkSeconds, parallel: 8, logDir: workDir });
    return { 's2.fwd8': bps / GBIT };
  },
};
