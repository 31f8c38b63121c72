/**
 * Spawning the real `adit` binary in tests: JSON log lines are parsed so tests
 * can wait for "listening" / "connected" and read the ports the process chose.
 * Every process started here is killed by stopAll() (call it in after()).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freeStablePort } from '../../bench/procs.js';

/** Repository root, from dist/test/helpers/adit.js. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The shipped binary (scripts/bundle.mjs), as a user runs it: every test that spawns adit starts this. */
export const MAIN = fileURLToPath(new URL('../../../dist/bundle/adit.js', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface AditProcess {
  proc: ChildProcess;
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (past or future) that matches. */
  waitLog: (match: (l: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<AditProcess>();

export function spawnAdit(args: string[], opts: { env?: NodeJS.ProcessEnv; argv0Path?: string } = {}): AditProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  // The test process's own proxy settings must not leak into the children.
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) if (!opts.env?.[k]) delete env[k];
  const proc = spawn(process.execPath, [opts.argv0Path ?? MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let err = '';
  let buf = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { msg: line, text: true };
      }
      logs.push(parsed);
      for (const w of [...waiters]) {
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    err += c;
  });
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const p: AditProcess = {
    proc,
    logs,
    stderr: () => err,
    waitLog(match, timeoutMs = 10_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching log line within ${timeoutMs} ms; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`));
        }, timeoutMs);
        const w = {
          match,
          resolve: (l: LogLine) => {
            clearTimeout(t);
            resolve(l);
          },
        };
        waiters.push(w);
        void exited.then((e) => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`process exited (${e.code ?? e.signal}) before the log line; stderr:\n${err}\nlogs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`));
          }
        });
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const r = await exited;
      clearTimeout(t);
      running.delete(p);
      return r;
    },
  };
  running.add(p);
  void exited.then(() => running.delete(p));
  return p;
}

/** Kills every process spawned by this file that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

/**
 * A free loopback port, picked below the kernel's ephemeral range: between its release here and its
 * use, no listen(0) or outgoing connection of a test running in parallel can take it (one did, once).
 */
export const freePort = freeStablePort;

export interface RunningServer extends AditProcess {
  control: string;
  http: string;
  admin: string;
  url: string;
}

/** Starts `adit server` on loopback with free ports and waits until it listens. */
export async function startServer(o: { token?: string; args?: string[]; env?: NodeJS.ProcessEnv; controlPort?: number; httpPort?: number } = {}): Promise<RunningServer> {
  const httpPort = o.httpPort ?? (await freePort());
  const args = [
    'server', '--control-addr', '127.0.0.1', '--control-port', String(o.controlPort ?? 0), '--data-addr', '127.0.0.1',
    '--port', String(httpPort), '--admin-addr', '127.0.0.1', '--admin-port', '0', '--log-format', 'json',
    ...(o.token ? ['--token', o.token] : []), ...(o.args ?? []),
  ];
  const p = spawnAdit(args, { env: o.env });
  const l = await p.waitLog((x) => x.msg === 'adit server listening');
  return Object.assign(p, { control: String(l.control), http: String(l.http), admin: String(l.admin), url: `ws://${String(l.control)}/tunnel` });
}

/** Starts `adit client` and waits for its first session (connected log line). */
export async function startClient(o: { url: string; token?: string; upstreams: string[]; id?: string; args?: string[]; env?: NodeJS.ProcessEnv; wait?: boolean }): Promise<AditProcess> {
  const args = [
    'client', '--url', o.url, '--id', o.id ?? 'test-client', '--admin-addr', '127.0.0.1', '--admin-port', '0', '--log-format', 'json',
    '--reconnect-min', '100ms', '--reconnect-max', '1s',
    ...(o.token ? ['--token', o.token] : []), ...o.upstreams.flatMap((u) => ['--upstream', u]), ...(o.args ?? []),
  ];
  const p = spawnAdit(args, { env: o.env });
  if (o.wait !== false) await p.waitLog((x) => x.msg === 'connected');
  return p;
}
