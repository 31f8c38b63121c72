/**
 * The floor for adit's shape: two chained one-process Node relays (bench/tools/node-relay.ts,
 * adit's own splice(), no multiplexer, no WebSocket). The first stands where adit's server does,
 * the second where its client does, so the slow-reader scenario reads them as it reads adit's
 * (scenario 7 leaves them out: two sockets per connection in each process are no floor for memory).
 * "node relays tls" puts TLS (Node's, as adit's wss uses it) on the hop between them, and
 * "node relays masked" the XOR passes that plain ws costs the client's bytes (adit masks them over ws).
 * Opt-in (`--floor`): they are reference points, not tools a user would pick.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, startProcess, waitForPort, type Spawned } from '../procs.js';
import { selfSignedCert } from './cert.js';
import { TARGET_NAMES, slug, type Participant, type TargetPorts } from './types.js';

const RELAY = new URL('../tools/node-relay.js', import.meta.url).pathname;

export const NODE_RELAYS = 'node relays';
export const NODE_RELAYS_TLS = 'node relays tls';
export const NODE_RELAYS_MASKED = 'node relays masked';

export type RelayHop = 'plain' | 'tls' | 'masked';

/** Per hop: the participant's name, what its description adds, and the scenarios it stands in (all when absent). */
const HOPS: Record<RelayHop, { name: string; describe: string; scenarios?: readonly string[] }> = {
  plain: { name: NODE_RELAYS, describe: '' },
  tls: { name: NODE_RELAYS_TLS, describe: ', TLS between them (a handshake per connection)' },
  // Masking only touches the reverse direction's bulk bytes: elsewhere it is "node relays" again.
  masked: {
    name: NODE_RELAYS_MASKED,
    describe: ', the bytes going up from home XOR-masked and unmasked in place as RFC 6455 asks of a plain-ws client (bulk only)',
    scenarios: ['s1'],
  },
};

export function nodeRelays(hop: RelayHop): Participant {
  const { name, describe, scenarios } = HOPS[hop];
  const tls = hop === 'tls';
  return {
    name,
    kind: 'tunnel',
    describe: `two chained one-process Node ${process.version} TCP relays (adit's splice(), no tunnel)${describe}: adit's two-process shape without the multiplexer`,
    scenarios,
    async start(targets, workDir) {
      const dir = join(workDir, slug(name));
      mkdirSync(dir, { recursive: true });
      const cert = tls ? await selfSignedCert(dir) : undefined;
      const inner = await freePorts(TARGET_NAMES.length);
      const outer = await freePorts(TARGET_NAMES.length);
      const pairs = (from: number[], to: (i: number) => number) => TARGET_NAMES.map((_, i) => `${from[i]}:${to(i)}`);
      const masked = hop === 'masked' ? ['--masked'] : [];
      const homeArgs = cert ? ['--tls-listen', `${cert.cert},${cert.key}`] : masked;
      const cloudArgs = cert ? ['--tls-connect', cert.cert] : masked;
      const home = startProcess(process.execPath, [RELAY, ...homeArgs, ...pairs(inner, (i) => targets[TARGET_NAMES[i]!])], join(dir, 'home.log'));
      const cloud = startProcess(process.execPath, [RELAY, ...cloudArgs, ...pairs(outer, (i) => inner[i]!)], join(dir, 'cloud.log'));
      const procs: Spawned[] = [cloud, home];
      const stop = async () => void (await Promise.all(procs.map((p) => p.stop())));
      const ports = {} as TargetPorts;
      TARGET_NAMES.forEach((t, i) => (ports[t] = outer[i]!));
      try {
        for (const port of [...inner, ...outer]) await waitForPort(port, 10_000, name);
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
}
