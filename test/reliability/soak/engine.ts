/**
 * Connection churn through a real server and client: many short connections
 * of mixed sizes, both directions, some aborted midway, while RSS, heap and
 * open fds of both processes are sampled. Used by the CI soak test (short)
 * and by `npm run soak` (long).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { freePort, startClient, startServer, type AditProcess, type RunningServer } from '../../helpers/adit.js';
import { hashServer } from '../../helpers/net.js';
import { closeServer, listen, openFds, rssBytes } from '../harness.js';
import { download, sourceServer, upload, type Outcome } from '../../helpers/traffic.js';

export interface SoakOptions {
  connections: number;
  /** Stop after this long even if fewer connections were made. */
  maxMs: number;
  concurrency: number;
  sampleEveryMs: number;
  /** Share of connections the visitor aborts midway (0..1). */
  abortRatio: number;
  log?: (line: string) => void;
}

export interface ProcSample { rss: number; heapUsed: number; fds: number }
export interface Sample { ms: number; connections: number; server: ProcSample; client: ProcSample; serverStreams: number }

export interface SoakResult {
  connections: number;
  completed: number;
  aborted: number;
  failures: { kind: string; size: number; outcome: Outcome }[];
  ms: number;
  bytes: number;
  baseline: Sample;
  final: Sample;
  samples: Sample[];
}

const TOKEN = 'soak-token-2a9f61e0';

/** Sizes: mostly small, some medium, a few large, like real service traffic. */
function pickSize(r: number): number {
  if (r < 0.6) return 1 + Math.floor(Math.random() * 2048);
  if (r < 0.9) return 16 * 1024 + Math.floor(Math.random() * 240 * 1024);
  return 1024 * 1024 + Math.floor(Math.random() * 3 * 1024 * 1024);
}

export class Soak {
  private server!: RunningServer;
  private client!: AditProcess;
  private source = sourceServer();
  private sink = hashServer();
  private downPort = 0;
  private upPort = 0;
  private readonly diagDir = mkdtempSync(join(tmpdir(), 'adit-soak-'));

  async start(): Promise<void> {
    const env = { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${this.diagDir}` };
    const sourcePort = await listen(this.source);
    const sinkPort = await listen(this.sink);
    this.downPort = await freePort();
    this.upPort = await freePort();
    this.server = await startServer({ token: TOKEN, env });
    this.client = await startClient({ url: this.server.url, token: TOKEN, env, upstreams: [`tcp:${this.downPort}=127.0.0.1:${sourcePort}`, `tcp:${this.upPort}=127.0.0.1:${sinkPort}`] });
  }

  async stop(): Promise<void> {
    await Promise.all([this.client?.stop('SIGKILL'), this.server?.stop('SIGKILL')]);
    await Promise.all([closeServer(this.source), closeServer(this.sink)]);
    rmSync(this.diagDir, { recursive: true, force: true });
  }

  /** One connection: download or upload of a random size; aborted midway with probability abortRatio. */
  private async one(abortRatio: number): Promise<{ kind: string; size: number; outcome: Outcome; aborted: boolean }> {
    const size = pickSize(Math.random());
    const seed = Math.floor(Math.random() * 1e9);
    const abort = Math.random() < abortRatio;
    if (Math.random() < 0.5) {
      const d = download(this.downPort, size, seed);
      if (abort) void d.started.then(() => d.socket.destroy());
      return { kind: 'download', size, outcome: await d.done, aborted: abort };
    }
    if (abort) {
      // Upload half, then vanish without a FIN.
      const s = net.connect({ port: this.upPort, host: '127.0.0.1' });
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      s.write(Buffer.alloc(Math.ceil(size / 2), 1), () => s.destroy());
      await new Promise((r) => s.once('close', r));
      return { kind: 'upload', size, outcome: { kind: 'reset', bytes: 0, ms: 0 }, aborted: true };
    }
    return { kind: 'upload', size, outcome: await upload(this.upPort, size, seed).done, aborted: false };
  }

  /** Runs the churn; samples every sampleEveryMs. */
  async run(o: SoakOptions): Promise<Omit<SoakResult, 'baseline' | 'final'>> {
    const t0 = performance.now();
    const samples: Sample[] = [];
    let started = 0;
    let completed = 0;
    let aborted = 0;
    let bytes = 0;
    const failures: SoakResult['failures'] = [];
    let sampling = false;
    const timer = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void this.sample(performance.now() - t0, completed + aborted).then((s) => {
        samples.push(s);
        o.log?.(formatSample(s));
      }).finally(() => { sampling = false; });
    }, o.sampleEveryMs);
    const worker = async (): Promise<void> => {
      while (started < o.connections && performance.now() - t0 < o.maxMs) {
        started++;
        const r = await this.one(o.abortRatio);
        if (r.aborted) aborted++;
        else if (r.outcome.kind === 'complete') { completed++; bytes += r.size; }
        else failures.push({ kind: r.kind, size: r.size, outcome: r.outcome });
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    clearInterval(timer);
    return { connections: started, completed, aborted, failures, ms: performance.now() - t0, bytes, samples };
  }

  /** A reading after a full GC in both processes (a heap snapshot forces one), once the tunnel is idle. */
  async settledSample(connections: number, ms: number): Promise<Sample> {
    const deadline = performance.now() + 15_000;
    let s = await this.sample(ms, connections);
    while (s.serverStreams > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      s = await this.sample(ms, connections);
    }
    for (const p of [this.server, this.client]) p.proc.kill('SIGUSR2');
    await this.waitSnapshots();
    await new Promise((r) => setTimeout(r, 300));
    return this.sample(ms, connections);
  }

  private snapshots = 0;
  private async waitSnapshots(): Promise<void> {
    this.snapshots += 2;
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const done = readdirSync(this.diagDir).filter((f) => f.endsWith('.heapsnapshot')).length;
      if (done >= this.snapshots) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Snapshot files are only a means to force GC; drop them (keeping the count).
    for (const f of readdirSync(this.diagDir)) rmSync(join(this.diagDir, f), { force: true });
    this.snapshots = 0;
  }

  async sample(ms: number, connections: number): Promise<Sample> {
    const [sm, cm, status] = await Promise.all([metrics(this.server.admin), metrics(String(this.client.logs.find((l) => l.admin)?.admin)), serverStatus(this.server.admin)]);
    const pid = (p: AditProcess) => p.proc.pid!;
    return {
      ms, connections,
      server: { rss: rssBytes(pid(this.server)), heapUsed: heapUsed(sm), fds: openFds(pid(this.server)) },
      client: { rss: rssBytes(pid(this.client)), heapUsed: heapUsed(cm), fds: openFds(pid(this.client)) },
      serverStreams: status,
    };
  }
}

async function metrics(admin: string): Promise<string> {
  const r = await fetch(`http://${admin}/metrics`);
  return r.text();
}

function heapUsed(text: string): number {
  const m = /^\w*nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

async function serverStatus(admin: string): Promise<number> {
  const r = await fetch(`http://${admin}/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await r.json()) as { clients: { streams: number }[] };
  return body.clients.reduce((n, c) => n + c.streams, 0);
}

const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);

export function formatSample(s: Sample): string {
  return `t=${(s.ms / 1000).toFixed(0).padStart(5)}s conns=${String(s.connections).padStart(7)}  server rss=${mib(s.server.rss)}MiB heap=${mib(s.server.heapUsed)}MiB fds=${s.server.fds} streams=${s.serverStreams}  client rss=${mib(s.client.rss)}MiB heap=${mib(s.client.heapUsed)}MiB fds=${s.client.fds}`;
}
