/**
 * Probes for the fault tests: ports, waiting for a condition, process fd and
 * memory readings, and each fault's figures in the test report. The traffic
 * they send is in test/helpers/traffic.ts.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** Tries to connect; resolves with 'open' or the errno (ECONNREFUSED once a port is freed). */
export function probePort(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve('timeout'); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve('open'); });
    s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve(e.code ?? 'error'); });
  });
}

/** Polls `check` every `everyMs` until it returns true; resolves with the elapsed ms, rejects after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await check()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const conns = new WeakMap<net.Server, Set<net.Socket>>();

/** Listens on loopback port 0 and remembers connections so closeServer() can cut them. */
export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  const set = new Set<net.Socket>();
  conns.set(server, set);
  server.on('connection', (c: net.Socket) => {
    set.add(c);
    c.on('close', () => set.delete(c));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

export function closeServer(server: net.Server | undefined): Promise<void> {
  return new Promise((r) => {
    if (!server) return r();
    server.close(() => r());
    for (const c of conns.get(server) ?? []) c.destroy();
  });
}

/** Prints a measured figure in the test output and, with ADIT_RESULTS_FILE set, appends it there as JSON (docs/reliability.md is written from these). */
export function report(t: { diagnostic(msg: string): void }, fault: string, figures: Record<string, unknown>): void {
  t.diagnostic(`${fault}: ${JSON.stringify(figures)}`);
  const file = process.env.ADIT_RESULTS_FILE;
  if (file) appendFileSync(file, JSON.stringify({ fault, at: new Date().toISOString(), ...figures }) + '\n');
}
