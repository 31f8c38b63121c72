/**
 * npm run bench:mux — the multiplexer's cost, measured. Bulk throughput and
 * latency through two relay processes joined by one hop, the way a tunnel
 * stands between a visitor and a target (see mux-peer.ts for the layout):
 *
 * (a) the hop is a plain TCP connection per visitor, socket.pipe at both ends;
 * (b)/(c) the hop is one adit mux session over a loopback WebSocket, a stream
 * per visitor, 1 or 8 at once. Latency: 1-byte round trips from this process
 * on a second connection while one bulk upload runs through the same relays.
 *
 *   --seconds N   length of each measurement (default 4)
 *   --reps N      repetitions, reported as median (default 3)
 *   --only a,b    cases: tcp-fwd mux1-fwd tcp-rev mux1-rev tcp8-fwd mux8-fwd tcp8-rev mux8-rev latency latency-tcp
 *   --json FILE   raw figures
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const SECONDS = Number(opt('seconds', '4'));
const REPS = Number(opt('reps', '3'));
const JSON_OUT = opt('json', '');
const ONLY = new Set(opt('only', '').split(',').filter(Boolean));
const want = (c: string) => ONLY.size === 0 || ONLY.has(c);

interface Lanes { bulk: number; echo: number }
const execArgv = [
  ...(process.env.ADIT_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ADIT_BENCH_PROFILE}`] : []),
  ...(process.env.ADIT_BENCH_TRACE_GC ? ['--trace-gc'] : []),
];
const script = new URL('./mux-peer.js', import.meta.url);
async function start<T>(args: (string | number)[]): Promise<[ChildProcess, T]> {
  const child = fork(script, args.map(String), { stdio: 'inherit', execArgv });
  const [msg] = (await once(child, 'message')) as [T];
  return [child, msg];
}

// The echo target lives here: the interactive lane's far end.
const echoServer = createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); s.pipe(s); });
echoServer.listen(0, '127.0.0.1');
await once(echoServer, 'listening');
const [load, { targetPort }] = await start<{ targetPort: number }>(['load']);
const [far, farPorts] = await start<{ plainBulk: number; plainEcho: number; wsPort: number }>(['far', targetPort, (echoServer.address() as { port: number }).port]);
const [near, nearPorts] = await start<{ plain: Lanes; mux: Lanes }>(['near', farPorts.plainBulk, farPorts.plainEcho, farPorts.wsPort]);

let seq = 0;
/** Bulk run in the load process; Gbit/s. */
async function bulk(lanes: Lanes, dir: 'up' | 'down', streams: number, ms = SECONDS * 1000): Promise<number> {
  const id = ++seq;
  const reply = new Promise<{ bytes: number; ns: number }>((resolve) => {
    const on = (m: { id: number; bytes: number; ns: number }) => { if (m.id === id) { load.off('message', on); resolve(m); } };
    load.on('message', on);
  });
  load.send({ id, port: lanes.bulk, dir, streams, ms });
  const r = await reply;
  return (r.bytes * 8) / r.ns;
}

/** 1-byte round trips on the interactive lane while one bulk upload runs on the same relays. */
async function latencyUnderLoad(lanes: Lanes): Promise<{ p50: number; p99: number; n: number }> {
  const echo = connect(lanes.echo, '127.0.0.1');
  echo.setNoDelay(true);
  await once(echo, 'connect');
  const load = bulk(lanes, 'up', 1);
  const samples: number[] = [];
  const until = Date.now() + SECONDS * 1000 - 200;
  const one = Buffer.from([1]);
  await new Promise((r) => setTimeout(r, 100));
  while (Date.now() < until) {
    const t0 = process.hrtime.bigint();
    const got = once(echo, 'data');
    echo.write(one);
    await got;
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  echo.destroy();
  await load;
  samples.sort((x, y) => x - y);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), n: samples.length };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const cases: [string, string, () => Promise<number>][] = [
  ['tcp-fwd', 'tcp pipe, 1 conn, upload', () => bulk(nearPorts.plain, 'up', 1)],
  ['mux1-fwd', 'mux, 1 stream, upload', () => bulk(nearPorts.mux, 'up', 1)],
  ['tcp-rev', 'tcp pipe, 1 conn, download', () => bulk(nearPorts.plain, 'down', 1)],
  ['mux1-rev', 'mux, 1 stream, download', () => bulk(nearPorts.mux, 'down', 1)],
  ['tcp8-fwd', 'tcp pipe, 8 conns, upload', () => bulk(nearPorts.plain, 'up', 8)],
  ['mux8-fwd', 'mux, 8 streams, upload', () => bulk(nearPorts.mux, 'up', 8)],
  ['tcp8-rev', 'tcp pipe, 8 conns, download', () => bulk(nearPorts.plain, 'down', 8)],
  ['mux8-rev', 'mux, 8 streams, download', () => bulk(nearPorts.mux, 'down', 8)],
];
type Lat = { p50: number; p99: number; n: number };
const rows = new Map<string, number[]>();
const lat: Record<'mux' | 'tcp', Lat[]> = { mux: [], tcp: [] };
const load0 = loadavg()[0]!;
for (let rep = 0; rep < REPS; rep++) {
  // Interleaved, so drift on a noisy machine hits every case alike.
  for (const [key, , run] of cases) if (want(key)) rows.set(key, [...(rows.get(key) ?? []), await run()]);
  if (want('latency')) lat.mux.push(await latencyUnderLoad(nearPorts.mux));
  if (want('latency-tcp')) lat.tcp.push(await latencyUnderLoad(nearPorts.plain));
}

const med = (key: string) => median(rows.get(key) ?? [NaN]);
const base = (k: string) => k.replace('mux1', 'tcp').replace('mux8', 'tcp8');
console.log(`adit mux micro-benchmark: ${SECONDS}s x ${REPS} reps, ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}, load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`);
console.log('| case | median Gbit/s | min | max | mux / tcp pipe, same connections | mux / tcp pipe, 1 conn (a) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [key, name] of cases) {
  const xs = rows.get(key);
  if (!xs) continue;
  const mux = key.startsWith('mux');
  const same = mux ? (med(key) / med(base(key))).toFixed(2) : '';
  const one = mux ? (med(key) / med(key.endsWith('fwd') ? 'tcp-fwd' : 'tcp-rev')).toFixed(2) : '';
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${same} | ${one} |`);
}
const latLine = (what: string, xs: Lat[]) => {
  if (xs.length > 0) console.log(`${what}: p50 ${median(xs.map((l) => l.p50)).toFixed(3)} ms, p99 ${median(xs.map((l) => l.p99)).toFixed(3)} ms (${xs.reduce((a, l) => a + l.n, 0)} samples)`);
};
console.log('');
latLine('1-byte round trip on a second mux stream while one stream saturates the session', lat.mux);
latLine('the same through the plain relays, on a second connection', lat.tcp);
const checks: [string, number, number][] = [
  ['(b) 1 stream upload >= 0.6 x (a)', med('mux1-fwd') / med('tcp-fwd'), 0.6],
  ['(b) 1 stream download >= 0.6 x (a)', med('mux1-rev') / med('tcp-rev'), 0.6],
  ['(c) 8 streams upload >= 0.8 x (a)', med('mux8-fwd') / med('tcp-fwd'), 0.8],
  ['(c) 8 streams download >= 0.8 x (a)', med('mux8-rev') / med('tcp-rev'), 0.8],
];
for (const [name, ratio, bound] of checks) if (!Number.isNaN(ratio)) console.log(`${ratio >= bound ? 'met   ' : 'MISSED'} ${name}: ${ratio.toFixed(2)}`);
if (lat.mux.length > 0) {
  const p99 = median(lat.mux.map((l) => l.p99));
  console.log(`${p99 < 5 ? 'met   ' : 'MISSED'} p99 of the second stream under load < 5 ms: ${p99.toFixed(2)} ms`);
}
if (JSON_OUT) {
  writeFileSync(JSON_OUT, JSON.stringify({ seconds: SECONDS, reps: REPS, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, gbps: Object.fromEntries(rows), latency: lat }, null, 2));
}
for (const c of [near, far, load]) c.disconnect();
echoServer.close();
