/**
 * The floor for adit's shape: two chained one-process Node relays (bench/tools/node-relay.ts,
 * adit's own splice(), no multiplexer, no WebSocket). The first stands where adit's server does,
 * the second where its client does, so the slow-reader scenario reads them as it reads adit's
 * (scenario 7 leaves them out: two sockets per connection in each process are no floor for memory).
 * Opt-in (`--floor`): it is a reference point, not a tool a user would pick.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, startProcess, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, type Participant, type TargetPorts } from './types.js';

const RELAY = new URL('../tools/node-relay.js', import.meta.url).pathname;

export const nodeRelays: Participant = {
  name: 'node relays',
  kind: 'tunnel',
  describe: `two chained one-process Node ${process.version} TCP relays (adit's splice(), no tunnel): adit's two-process shape without the multiplexer`,
  async start(targets, workDir) {
    mkdirSync(workDir, { recursive: true });
    const inner = await freePorts(TARGET_NAMES.length);
    const outer = await freePorts(TARGET_NAMES.length);
    const pairs = (from: number[], to: (i: number) => number) => TARGET_NAMES.map((_, i) => `${from[i]}:${to(i)}`);
    const home = startProcess(process.execPath, [RELAY, ...pairs(inner, (i) => targets[TARGET_NAMES[i]!])], join(workDir, 'node-relay-home.log'));
    const cloud = startProcess(process.execPath, [RELAY, ...pairs(outer, (i) => inner[i]!)], join(workDir, 'node-relay-cloud.log'));
    const procs: Spawned[] = [cloud, home];
    const stop = async () => void (await Promise.all(procs.map((p) => p.stop())));
    const ports = {} as TargetPorts;
    TARGET_NAMES.forEach((name, i) => (ports[name] = outer[i]!));
    try {
      for (const port of [...inner, ...outer]) await waitForPort(port, 10_000, 'node relay');
    } catch (e) {
      await stop();
      throw e;
    }
    return {
      ports,
      watched: [
        { role: 'server', pid: cloud.pid, tree: false },
        { role: 'client', pid: home.pid, tree: false },
      ],
      stop,
    };
  },
};
