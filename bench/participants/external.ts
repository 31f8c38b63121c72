/**
 * Any other tunnel binary with inlets-style roles, given by ADIT_BENCH_EXTERNAL=/path/to/binary.
 * Its argument lists can be overridden with ADIT_BENCH_EXTERNAL_SERVER_ARGS / _CLIENT_ARGS, templates
 * with {controlPort} {httpPort} {token} {upstreams} (comma list of tcp:PUBLIC=127.0.0.1:TARGET).
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePorts, startProcess, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, type Participant, type TargetPorts } from './types.js';

const DEFAULT_SERVER = 'server --port {httpPort} --control-port {controlPort} --token {token}';
const DEFAULT_CLIENT = 'client --url ws://127.0.0.1:{controlPort} --token {token} --upstream {upstreams}';

function fill(template: string, vars: Record<string, string>): string[] {
  return template
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`));
}

export function externalParticipant(): Participant | undefined {
  const bin = process.env.ADIT_BENCH_EXTERNAL;
  if (!bin) return undefined;
  const name = `ext:${basename(bin)}`;
  return {
    name,
    kind: 'tunnel',
    describe: `external tunnel ${bin} (server and client roles on loopback)`,
    async start(targets, workDir) {
      const dir = join(workDir, 'external');
      mkdirSync(dir, { recursive: true });
      const [controlPort, httpPort, ...pubPorts] = await freePorts(2 + TARGET_NAMES.length);
      const pub = {} as TargetPorts;
      TARGET_NAMES.forEach((t, i) => (pub[t] = pubPorts[i]));
      const vars = {
        controlPort: String(controlPort),
        httpPort: String(httpPort),
        token: randomBytes(24).toString('hex'),
        upstreams: TARGET_NAMES.map((t) => `tcp:${pub[t]}=127.0.0.1:${targets[t]}`).join(','),
      };
      const procs: Spawned[] = [];
      const stop = async () => {
        for (const p of [...procs].reverse()) await p.stop();
      };
      try {
        const server = startProcess(bin, fill(process.env.ADIT_BENCH_EXTERNAL_SERVER_ARGS ?? DEFAULT_SERVER, vars), join(dir, 'server.log'));
        procs.push(server);
        await waitForPort(controlPort, 15_000, `${name} control port`);
        const client = startProcess(bin, fill(process.env.ADIT_BENCH_EXTERNAL_CLIENT_ARGS ?? DEFAULT_CLIENT, vars), join(dir, 'client.log'));
        procs.push(client);
        for (const t of TARGET_NAMES) await waitForPort(pub[t], 15_000, `${name} route for ${t}`);
        return {
          ports: pub,
          watched: [
            { role: 'server', pid: server.pid, tree: true },
            { role: 'client', pid: client.pid, tree: true },
          ],
          stop,
        };
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}
