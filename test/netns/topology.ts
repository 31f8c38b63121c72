/**
 * A real NAT in network namespaces:
 *
 *   home 198.18.1.2 ──veth── 198.18.1.1 router 198.19.2.1 ──veth── 198.19.2.2 cloud
 *
 * The router forwards home → cloud and masquerades it; nothing new may enter from
 * the cloud side (FORWARD and INPUT drop everything but replies). Only the router
 * forwards. Cloud has a default route via the router, so a connection to home's
 * address really reaches the router and is really dropped there.
 *
 * The addresses are from 198.18.0.0/15 (reserved for network tests) and exist only
 * inside these namespaces; nothing is connected to the root namespace.
 * Names carry the pid (adit-<pid>-<n>-home) so parallel test files never collide,
 * and stale ones from dead pids are removed at the next create.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import { mustInNetns, run, runInNetns, spawnInNetns, type RunResult } from './exec.js';
import { dialVia, listenVia, type Accepted, type DialOptions, type NsListener } from './bridge.js';

export type Place = 'home' | 'router' | 'cloud';
const PLACES: Place[] = ['home', 'router', 'cloud'];

export const ADDR = {
  home: '198.18.1.2',
  routerHome: '198.18.1.1',
  routerCloud: '198.19.2.1',
  cloud: '198.19.2.2',
} as const;

/** Interface names inside the namespaces (each namespace has its own, so they need no prefix). */
export const IFACE = { home: 'eth0', routerHome: 'r-home', routerCloud: 'r-cloud', cloud: 'eth0' } as const;

const PREFIX = 'adit-';
let counter = 0;
const live = new Set<NatTopology>();

export class NatTopology {
  readonly ns: Record<Place, string>;
  readonly addr = ADDR;
  readonly iface = IFACE;
  private readonly dir: string;
  private readonly agents = new Map<Place, ChildProcess>();
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;
  private unixCount = 0;

  constructor(readonly id: string) {
    this.ns = { home: `${id}-home`, router: `${id}-router`, cloud: `${id}-cloud` };
    this.dir = mkdtempSync(join(tmpdir(), `${id}-`));
  }

  /** Starts a process inside a namespace; it is killed by destroy() if still running. */
  spawn(place: Place, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawnInNetns(this.ns[place], cmd, args, opts);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  exec(place: Place, cmd: string, args: string[], timeoutMs?: number): Promise<RunResult> {
    return runInNetns(this.ns[place], cmd, args, timeoutMs);
  }

  /** Opens a TCP connection from inside `place` (rejects with a DialError carrying the errno code). */
  dial(place: Place, host: string, port: number, opts?: DialOptions): Promise<net.Socket> {
    return dialVia(this.agentPath(place), host, port, opts);
  }

  /** Serves `port` (0 = any) inside `place`; connections arrive here as sockets. */
  listen(place: Place, port: number, onConnection: (s: net.Socket, info: Accepted) => void, host?: string): Promise<NsListener> {
    const unix = join(this.dir, `l${++this.unixCount}.sock`);
    return listenVia(this.agentPath(place), unix, port, onConnection, host);
  }

  agentPath(place: Place): string {
    return join(this.dir, `${place}.agent.sock`);
  }

  async startAgents(): Promise<void> {
    const script = new URL('./agent.js', import.meta.url).pathname;
    await Promise.all(
      (['home', 'cloud'] as Place[]).map(async (place) => {
        const child = spawnInNetns(this.ns[place], process.execPath, [script, this.agentPath(place)], { stdio: ['pipe', 'pipe', 'inherit'] });
        this.agents.set(place, child);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`agent in ${place} did not start`)), 10_000);
          child.once('error', reject);
          child.once('exit', (code) => reject(new Error(`agent in ${place} exited with ${code}`)));
          child.stdout!.once('data', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }),
    );
  }

  /** Kills everything inside the namespaces and deletes them. Idempotent, never throws. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of [...this.children, ...this.agents.values()]) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    await Promise.all(PLACES.map((p) => deleteNamespace(this.ns[p])));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function deleteNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]).catch(() => undefined);
  for (const pid of pids?.stdout.split(/\s+/).filter(Boolean) ?? []) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
}

/** Removes namespaces left by test processes that no longer exist. Never touches a live pid's. */
export async function cleanStaleNamespaces(): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  const stale: string[] = [];
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^adit-(\d+)-/.exec(name);
    if (!m) continue;
    if (Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    stale.push(name);
  }
  await Promise.all(stale.map(deleteNamespace));
  return stale;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds home / router / cloud. On any failure it tears down what it made and throws. */
export async function createNatTopology(): Promise<NatTopology> {
  await cleanStaleNamespaces();
  const topo = new NatTopology(`${PREFIX}${process.pid}-${++counter}`);
  live.add(topo);
  try {
    await build(topo);
    await topo.startAgents();
  } catch (err) {
    await topo.destroy();
    throw err;
  }
  return topo;
}

async function build(t: NatTopology): Promise<void> {
  const { home, router, cloud } = t.ns;
  // One `ip -batch` per namespace (each spawn of ip costs time on 2 cores).
  await mustBatch([], [`netns add ${home}`, `netns add ${router}`, `netns add ${cloud}`]);
  await mustBatch(['-n', router], [
    `link add ${IFACE.routerHome} type veth peer name ${IFACE.home} netns ${home}`,
    `link add ${IFACE.routerCloud} type veth peer name ${IFACE.cloud} netns ${cloud}`,
    `addr add ${ADDR.routerHome}/24 dev ${IFACE.routerHome}`,
    `addr add ${ADDR.routerCloud}/24 dev ${IFACE.routerCloud}`,
    'link set lo up',
    // Wire-sized packets: without this, segmentation offload sends 64 KiB super-packets
    // through the router and "1 % loss" would drop 1 % of those instead of 1 % of packets.
    `link set ${IFACE.routerHome} gso_max_segs 1`,
    `link set ${IFACE.routerCloud} gso_max_segs 1`,
    `link set ${IFACE.routerHome} up`,
    `link set ${IFACE.routerCloud} up`,
  ]);
  await mustBatch(['-n', home], [`addr add ${ADDR.home}/24 dev ${IFACE.home}`, 'link set lo up', `link set ${IFACE.home} gso_max_segs 1`, `link set ${IFACE.home} up`, `route add default via ${ADDR.routerHome}`]);
  await mustBatch(['-n', cloud], [`addr add ${ADDR.cloud}/24 dev ${IFACE.cloud}`, 'link set lo up', `link set ${IFACE.cloud} gso_max_segs 1`, `link set ${IFACE.cloud} up`, `route add default via ${ADDR.routerCloud}`]);
  await mustInNetns(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await restoreRules(router, routerRules());
}

async function mustBatch(opts: string[], lines: string[]): Promise<void> {
  const child = spawn('ip', [...opts, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(lines.join('\n') + '\n');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`ip -batch failed (${code}): ${stderr.trim()}`);
}

/** The router's whole ruleset, loaded atomically. */
function routerRules(): string {
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    `-A POSTROUTING -o ${IFACE.routerCloud} -j MASQUERADE`,
    'COMMIT',
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    `-A INPUT -i ${IFACE.routerHome} -j ACCEPT`,
    '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    `-A FORWARD -i ${IFACE.routerHome} -o ${IFACE.routerCloud} -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
}

async function restoreRules(ns: string, rules: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, 'iptables-restore'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(rules);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`iptables-restore in ${ns} failed (${code}): ${stderr.trim()}`);
}

// Last resort if a test process exits without destroy(): delete synchronously.
process.once('exit', () => {
  for (const t of live) {
    for (const p of PLACES) spawnSync('ip', ['netns', 'del', t.ns[p]], { stdio: 'ignore' });
  }
});

