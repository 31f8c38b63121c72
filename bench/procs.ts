/** Child processes, ports and /proc readings used by every participant and scenario. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set<ChildProcess>();

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Spawns a long-running helper whose output goes to a log file (read it when something fails). */
export function startProcess(cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): Spawned {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], ...opts });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? -1);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(-1);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  return { child, pid, exited, stop: () => stopChild(child, exited) };
}

export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // Generous: a node child started with --cpu-prof writes its profile on the way out.
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** Last-resort cleanup when the harness itself is interrupted. */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

export interface RunResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after timeoutMs) and collects its output. */
export function run(cmd: string, args: string[], timeoutMs = 60_000, opts: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(t);
      live.delete(child);
      resolve({ code: -1, stdout, stderr: stderr + String(e) });
    });
    child.once('close', (code, signal) => {
      clearTimeout(t);
      live.delete(child);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

/** A currently free loopback port (bound then released; good enough on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Waits until something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000, what = `port ${port}`): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await tryConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(1000, () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

/** Waits for an HTTP 200 (readiness endpoints). */
export async function waitForHttp200(url: string, timeoutMs = 20_000, alive?: () => boolean): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (alive && !alive()) throw new Error(`process died while waiting for ${url}`);
    if ((await httpStatus(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for 200 from ${url}`);
}

/** Resident set size of one process in bytes, from /proc/<pid>/status (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants (sshd forks a child per connection, the listener lives there). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // raced with an exiting process
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop() as number;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, p) => sum + rssBytes(p), 0);
}

/** True when some socket listens on 127.0.0.1/0.0.0.0:port (read from /proc, so nothing connects to it). */
export function isListening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(`:${hex}`)) return true;
      }
    } catch {
      // no IPv6
    }
  }
  return false;
}

/** Waits for a listener without connecting to it (iperf3 -1 would count a probe as its one test). */
export async function waitForListen(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (isListening(port)) return;
    await sleep(20);
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * A free loopback port below the kernel's ephemeral range, for a target that is not always bound
 * (iperf3 -1 listens only during a test): neither freePort() nor an outgoing connection can take it
 * meanwhile, which would send iperf3 through the wrong listener.
 */
export async function freeStablePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the default
  }
  const floor = 10_000;
  for (let i = 0; i < 200 && low > floor + 1; i++) {
    const port = floor + Math.floor(Math.random() * (low - floor - 1));
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok && !isListening(port)) return port;
  }
  return freePort();
}
