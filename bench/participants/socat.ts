/**
 * socat as a relay: one listener per target, a forked process per connection.
 * "socat" is the single hop a user would pick. "socat relays" chains two of them, in the places
 * adit's server and client take: two C processes in adit's shape, the floor C sets for it where
 * "node relays" is the one Node sets (latency only, opt-in with `--floor`).
 */
import { join } from 'node:path';
import { freePorts, startProcess, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, slug, type Participant, type TargetPorts } from './types.js';

function socatChain(name: string, hops: number, describe: string, scenarios?: readonly string[]): Participant {
  return {
    name,
    kind: 'relay',
    describe,
    scenarios,
    async start(targets, workDir) {
      const procs: Spawned[] = [];
      const stop = async () => void (await Promise.all(procs.map((p) => p.stop())));
      // Hop 0 is the one next to the targets; each next hop listens in front of the one before.
      let next = TARGET_NAMES.map((t) => targets[t]);
      const listening: number[] = [];
      for (let hop = 0; hop < hops; hop++) {
        const ports = await freePorts(TARGET_NAMES.length);
        TARGET_NAMES.forEach((t, i) => {
          const log = join(workDir, `${slug(name)}-${hop}-${t}.log`);
          procs.push(startProcess('socat', [`TCP-LISTEN:${ports[i]},bind=127.0.0.1,fork,reuseaddr,backlog=4096`, `TCP:127.0.0.1:${next[i]},nodelay`], log));
        });
        listening.push(...ports);
        next = ports;
      }
      const pub = {} as TargetPorts;
      TARGET_NAMES.forEach((t, i) => (pub[t] = next[i]!));
      try {
        for (const port of listening) await waitForPort(port, 10_000, name);
      } catch (e) {
        await stop();
        throw e;
      }
      // Memory is not compared for socat (a process per connection), so no server/client roles.
      return { ports: pub, watched: procs.map((p) => ({ role: 'relay' as const, pid: p.pid, tree: true })), stop };
    },
  };
}

export const socat: Participant = socatChain('socat', 1, 'socat TCP-LISTEN,fork → TCP (one process per connection)');

export const socatRelays: Participant = socatChain(
  'socat relays',
  2,
  "two chained socat relays (TCP-LISTEN,fork → TCP, nodelay): adit's two-process shape in C, without a tunnel (latency only)",
  ['s3'],
);
