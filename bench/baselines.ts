/**
 * What plain Node does on this machine, the floor and ceiling adit's figures are read against:
 * a one-process TCP relay (bulk and connection rate), one and two chained relay processes (1-byte
 * round-trip latency), a one-process HTTP proxy in front of nginx, and the memory of idle sockets.
 * adit runs two Node processes per tunnelled connection.
 *   npm run build && node dist/bench/baselines.js
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadChild, runLoad } from './load/driver.js';
import type { ConnRateResult } from './load/connrate.js';
import type { LatencyResult } from './load/latency.js';
import { freeStablePort, rssBytes } from './procs.js';
import { runIperf } from './tools/iperf.js';
import { startNginx } from './tools/nginx.js';
import { runWrk } from './tools/wrk.js';
import { median } from './stats.js';

const SELF = new URL(import.meta.url).pathname;

/** Child roles: each listens and reports its port(s) to the parent. */
async function child(role: string, arg: string): Promise<void> {
  const send = (m: unknown) => process.send?.(m);
  if (role === 'relay') {
    const targets = JSON.parse(arg) as Record<string, number>;
    const out: Record<string, number> = {};
    for (const [name, port] of Object.entries(targets)) {
      const srv = net.createServer({ allowHalfOpen: true, noDelay: true }, (a) => {
        const b = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
        a.pipe(b);
        b.pipe(a);
        a.on('error', () => b.destroy());
        b.on('error', () => a.destroy());
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      out[name] = (srv.address() as net.AddressInfo).port;
    }
    send(out);
  } else if (role === 'proxy') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
    const srv = http.createServer((req, res) => {
      const up = http.request({ host: '127.0.0.1', port: Number(arg), method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    srv.listen(0, '127.0.0.1', () => send((srv.address() as net.AddressInfo).port));
  } else if (role === 'holder') {
    const srv = net.createServer((s) => (arg === 'pipe' ? s.pipe(s) : s.on('data', () => s.write('i'))));
    srv.listen(0, '127.0.0.1', () => send((srv.address() as net.AddressInfo).port));
  }
}

function spawnChild<T>(role: string, arg: string) {
  const c = fork(SELF, ['--child', role, arg]);
  const ready = new Promise<T>((resolve) => c.once('message', (m) => resolve(m as T)));
  return { c, ready };
}

async function socketMemory(mode: 'data' | 'pipe', count: number): Promise<number> {
  const { c, ready } = spawnChild<number>('holder', mode);
  const port = await ready;
  await sleep(1000);
  const before = rssBytes(c.pid!);
  const socks: net.Socket[] = [];
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, () => new Promise<void>((res) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('i'));
        s.once('data', () => res());
        socks.push(s);
      })),
    );
  }
  await sleep(1500);
  const per = (rssBytes(c.pid!) - before) / count / 1024;
  for (const s of socks) s.destroy();
  c.kill();
  return per;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'adit-baselines-'));
  const targets = new LoadChild('targets', {}, 3600_000);
  const t = await targets.waitFor('ready');
  const nginx = await startNginx(dir);
  const iperf = await freeStablePort();
  const proxy = spawnChild<number>('proxy', String(nginx.port));
  // One relay for every target; a second one in front of its echo port makes the latency chain
  // echo ← hop1 ← hop2, as adit's server and client sit between visitor and target.
  const relay = spawnChild<Record<string, number>>('relay', JSON.stringify({ rr: t.rr as number, iperf, echo: t.echo as number }));
  const r = await relay.ready;
  const hop2 = spawnChild<Record<string, number>>('relay', JSON.stringify({ echo: r.echo }));
  try {
    const chain = { direct: t.echo as number, 'one relay': r.echo!, 'two relays': (await hop2.ready).echo! };
    const lat: Record<string, LatencyResult[]> = { direct: [], 'one relay': [], 'two relays': [] };
    const proxyPort = await proxy.ready;
    await runWrk(proxyPort, 1, 64);
    const bulk: number[] = [];
    const rate: number[] = [];
    const rps: number[] = [];
    for (let i = 0; i < 3; i++) {
      bulk.push((await runIperf({ targetPort: iperf, publicPort: r.iperf, seconds: 3, logDir: dir })) / 1e9);
      rate.push((await runLoad<ConnRateResult>('connrate', { port: r.rr, concurrency: 32, durationMs: 2000, warmupMs: 1000 }, 30_000)).perSec);
      rps.push((await runWrk(proxyPort, 2, 64)).rps);
      // The same ping-pong as bench scenario 3.
      for (const [name, port] of Object.entries(chain)) {
        lat[name]!.push(await runLoad<LatencyResult>('latency', { port, samples: 10_000, warmup: 200, maxMs: 2000 }, 30_000));
      }
    }
    const fmt = (xs: number[], d: number) => `${median(xs).toFixed(d)} (${xs.map((x) => x.toFixed(d)).join(', ')})`;
    const out = process.stdout;
    out.write(`one-process Node TCP relay, iperf3 one stream fwd: ${fmt(bulk, 2)} Gbit/s\n`);
    out.write(`one-process Node TCP relay, connections/s at concurrency 32: ${fmt(rate, 0)}\n`);
    for (const [name, rs] of Object.entries(lat)) {
      out.write(`1-byte round trip to a Node echo server, ${name}${name === 'direct' ? '' : ' (plain Node, pipe() both ways)'}: p50 ${fmt(rs.map((x) => x.p50Us), 0)} µs, p99 ${fmt(rs.map((x) => x.p99Us), 0)} µs\n`);
    }
    out.write(`one-process Node HTTP proxy (keep-alive agent) → nginx, wrk -c64: ${fmt(rps, 0)} req/s\n`);
    out.write(`Node ${process.version}, RSS per idle accepted socket (10,000): ${(await socketMemory('data', 10_000)).toFixed(2)} KiB, piped back to itself: ${(await socketMemory('pipe', 10_000)).toFixed(2)} KiB\n`);
  } finally {
    relay.c.kill();
    proxy.c.kill();
    hop2.c.kill();
    await nginx.proc.stop();
    targets.send('stop');
    await targets.done.catch(() => targets.kill());
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') void child(process.argv[3], process.argv[4] ?? '');
else
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
