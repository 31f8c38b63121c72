/**
 * adit through its CLI, exactly as a user runs it: `adit server` on the "cloud" side and
 * `adit client` on the "home" side, one TCP route per target plus an HTTP route by Host to nginx.
 * Plain ws, or wss with TLS terminated by the server (self-signed cert, client trusts it with --ca-file).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePorts, startProcess, waitForHttp200, waitForPort, type Spawned } from '../procs.js';
import { TARGET_NAMES, slug, type Participant, type TargetPorts } from './types.js';
import { aditWindowBound } from './adit-window.js';
import { selfSignedCert } from './cert.js';

export const ADIT_MAIN = new URL('../../bundle/adit.js', import.meta.url).pathname;
export const HTTP_HOST = 'bench.adit.test';

/** Extra node flags for the adit processes, e.g. ADIT_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function nodeArgs(): string[] {
  return (process.env.ADIT_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** `main` lets an A/B run put a modified build beside the tree's own (ADIT_BENCH_VARIANT in run.ts). */
export function aditParticipant(name: string, tls: boolean, main = ADIT_MAIN): Participant {
  return {
    name,
    kind: 'tunnel',
    describe: (main === ADIT_MAIN ? '' : `${main}: `) + (tls ? 'adit server + client over wss (TLS terminated by adit server, ECDSA P-256 self-signed)' : 'adit server + client over plain ws'),
    async start(targets, workDir) {
      const dir = join(workDir, slug(name));
      mkdirSync(dir, { recursive: true });
      const [controlPort, httpPort, serverAdmin, clientAdmin, ...pubPorts] = await freePorts(4 + TARGET_NAMES.length);
      const token = randomBytes(24).toString('hex');
      const env = { ...process.env, ADIT_TOKEN: token };
      const tlsFiles = tls ? await selfSignedCert(dir) : undefined;
      const serverArgs = [
        ...nodeArgs(), main, 'server',
        '--control-addr', '127.0.0.1', '--control-port', String(controlPort), '--control-path', '/tunnel',
        '--data-addr', '127.0.0.1', '--port', String(httpPort), '--allow-ports', '1024-65535',
        '--admin-addr', '127.0.0.1', '--admin-port', String(serverAdmin), '--log-level', 'warn', '--drain-timeout', '1s',
        ...(tlsFiles ? ['--tls-cert', tlsFiles.cert, '--tls-key', tlsFiles.key] : []),
      ];
      const procs: Spawned[] = [];
      const stop = async () => {
        for (const p of [...procs].reverse()) await p.stop();
      };
      try {
        const server = startProcess(process.execPath, serverArgs, join(dir, 'server.log'), { env, cwd: dir });
        procs.push(server);
        await waitForHttp200(`http://127.0.0.1:${serverAdmin}/readyz`, 20_000, () => server.child.exitCode === null);
        const pub = {} as TargetPorts;
        const upstreams: string[] = [];
        TARGET_NAMES.forEach((t, i) => {
          pub[t] = pubPorts[i];
          upstreams.push('--upstream', `tcp:${pubPorts[i]}=127.0.0.1:${targets[t]}`);
        });
        upstreams.push('--upstream', `${HTTP_HOST}=http://127.0.0.1:${targets.http}`);
        const clientArgs = [
          ...nodeArgs(), main, 'client',
          '--url', `${tls ? 'wss' : 'ws'}://127.0.0.1:${controlPort}/tunnel`, '--id', `bench-${slug(name)}`,
          ...upstreams,
          '--admin-addr', '127.0.0.1', '--admin-port', String(clientAdmin), '--log-level', 'warn',
          ...(tlsFiles ? ['--ca-file', tlsFiles.cert] : []),
        ];
        const client = startProcess(process.execPath, clientArgs, join(dir, 'client.log'), { env, cwd: dir });
        procs.push(client);
        await waitForHttp200(`http://127.0.0.1:${clientAdmin}/readyz`, 20_000, () => client.child.exitCode === null);
        for (const t of TARGET_NAMES) await waitForPort(pub[t], 10_000, `${name} route for ${t}`);
        return {
          ports: pub,
          httpRoute: { port: httpPort, host: HTTP_HOST },
          watched: [
            { role: 'server', pid: server.pid, tree: false },
            { role: 'client', pid: client.pid, tree: false },
          ],
          windowBound: await aditWindowBound(),
          stop,
        };
      } catch (e) {
        await stop();
        throw e;
      }
    },
  };
}
