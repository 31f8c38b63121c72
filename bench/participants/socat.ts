/** A single-hop relay: one socat listener per target, a forked process per connection. */
import { join } from 'node:path';
import { freePorts, startProcess, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, type Participant, type TargetPorts } from './types.js';

export const socat: Participant = {
  name: 'socat',
  kind: 'relay',
  describe: 'socat TCP-LISTEN,fork → TCP (one process per connection)',
  async start(targets, workDir) {
    const ports = await freePorts(TARGET_NAMES.length);
    const procs: Spawned[] = [];
    const pub = {} as TargetPorts;
    TARGET_NAMES.forEach((name, i) => {
      pub[name] = ports[i];
      procs.push(
        startProcess(
          'socat',
          [`TCP-LISTEN:${ports[i]},bind=127.0.0.1,fork,reuseaddr,backlog=4096`, `TCP:127.0.0.1:${targets[name]},nodelay`],
          join(workDir, `socat-${name}.log`),
        ),
      );
    });
    const stop = async () => void (await Promise.all(procs.map((p) => p.stop())));
    try {
      for (const name of TARGET_NAMES) await waitForPort(pub[name], 10_000, `socat ${name}`);
    } catch (e) {
      await stop();
      throw e;
    }
    return { ports: pub, watched: procs.map((p) => ({ role: 'relay' as const, pid: p.pid, tree: true })), stop };
  },
};
