/**
 * npm run bench:mux — the multiplexer's cost, measured. Bulk throughput and
 * latency through two relay processes joined by one hop, the way a tunnel
 * stands between a visitor and a target:
 *
 *   this process (visitors) ─► near relay ══ hop ══► far relay ─► this process (targets)
 *
 * (a) the hop is a plain TCP connection per visitor, socket.pipe at both ends;
 * (b)/(c) the hop is one adit mux session over a loopback WebSocket, a stream
 * per visitor. Prints Gbit/s and ratios; see docs/benchmarks.md.
 *
 *   --seconds N   length of each measurement (default 4)
 *   --reps N      repetitions, reported as median (default 3)
 *   --only a,b    cases: tcp-fwd mux1-fwd tcp-rev mux1-rev tcp8-fwd mux8-fwd tcp8-rev mux8-rev latency latency-tcp
 *   --json FILE   raw figures
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

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
const CHUNK = Buffer.alloc(256 * 1024, 9);

interface Sunk { bytes: number; ns: number }

// Targets live in this process: they are the far end of both kinds of hop.
const sunk = new Map<string, (m: Sunk) => void>();
const waitSunk = (tag: string) => new Promise<Sunk>((r) => sunk.set(tag, r));
const targets = createServer((sock: Socket) => {
  sock.setNoDelay(true);
  sock.on('error', () => {});
  sock.once('readable', function first() {
    const head = sock.read(8) as Buffer | null;
    if (!head) { sock.once('readable', first); return; }
    const [what, tag] = head.toString().trim().split(':');
    if (what === 'sink') {
      let bytes = 0;
      let t0 = 0n;
      sock.on('data', (c: Buffer) => { if (bytes === 0) t0 = process.hrtime.bigint(); bytes += c.length; });
      sock.on('end', () => { sunk.get(tag!)?.({ bytes, ns: Number(process.hrtime.bigint() - t0) }); sock.end(); });
    } else if (what === 'source') {
      let stopped = false;
      sock.on('close', () => { stopped = true; });
      sock.resume();
      const pump = (): void => { while (!stopped && sock.write(CHUNK)); if (!stopped) sock.once('drain', pump); };
      pump();
    } else {
      sock.write(head); // echo from the first byte on
      sock.pipe(sock);
    }
  });
});
targets.listen(0, '127.0.0.1');
await once(targets, 'listening');

const relayArgs = process.env.ADIT_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ADIT_BENCH_PROFILE}`] : [];
const peerScript = new URL('./mux-peer.js', import.meta.url);
const far: ChildProcess = fork(peerScript, ['far', String((targets.address() as { port: number }).port)], { stdio: 'inherit', execArgv: relayArgs });
const [farPorts] = (await once(far, 'message')) as [{ plainPort: number; wsPort: number }];
const near: ChildProcess = fork(peerScript, ['near', String(farPorts.plainPort), String(farPorts.wsPort)], { stdio: 'inherit', execArgv: relayArgs });
const [nearPorts] = (await once(near, 'message')) as [{ plainPort: number; muxPort: number }];

let tagSeq = 0;
const nextTag = () => String(++tagSeq % 1000);
type Open = (what: string, tag: string) => Promise<Socket>;

/** A visitor connection; its first 8 bytes tell the target what to do. */
function visitor(port: number): Open {
  return async (what, tag) => {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.on('error', () => {});
    await once(s, 'connect');
    s.write(`${what}:${tag}`.padEnd(8, ' '));
    return s;
  };
}
const tcpOpen = visitor(nearPorts.plainPort);
const muxOpen = visitor(nearPorts.muxPort);

/** Visitors upload for SECONDS, then end; the targets report what arrived. Returns Gbit/s. */
async function forward(open: Open, streams: number): Promise<number> {
  const runs = Array.from({ length: streams }, async () => {
    const tag = nextTag();
    const s = await open('sink', tag);
    const result = waitSunk(tag);
    const until = Date.now() + SECONDS * 1000;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (Date.now() < until) { if (!s.write(CHUNK)) { s.once('drain', pump); return; } }
        s.end();
        resolve();
      };
      pump();
    });
    s.resume();
    return result;
  });
  const results = await Promise.all(runs);
  return (results.reduce((a, r) => a + r.bytes, 0) * 8) / Math.max(...results.map((r) => r.ns));
}

/** Visitors download from a target for SECONDS. Returns Gbit/s. */
async function reverse(open: Open, streams: number): Promise<number> {
  const runs = Array.from({ length: streams }, async () => {
    const s = await open('source', nextTag());
    let bytes = 0;
    let first = 0n;
    const until = Date.now() + SECONDS * 1000;
    await new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        if (bytes === 0) first = process.hrtime.bigint();
        bytes += c.length;
        if (Date.now() >= until) { s.removeAllListeners('data'); s.destroy(); resolve(); }
      });
    });
    return { bytes, ns: Number(process.hrtime.bigint() - first) };
  });
  const results = await Promise.all(runs);
  return (results.reduce((a, r) => a + r.bytes, 0) * 8) / Math.max(...results.map((r) => r.ns));
}

/** 1-byte round trips on a second visitor while one bulk upload saturates the session. */
async function latencyUnderLoad(open: Open): Promise<{ p50: number; p99: number; n: number }> {
  const echo = await open('echo', nextTag());
  await once(echo, 'data'); // the 8-byte command came back: the path is up
  const bulk = forward(open, 1);
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
  await bulk;
  samples.sort((x, y) => x - y);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), n: samples.length };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const cases: [string, string, () => Promise<number>][] = [
  ['tcp-fwd', 'tcp pipe, 1 conn, upload', () => forward(tcpOpen, 1)],
  ['mux1-fwd', 'mux, 1 stream, upload', () => forward(muxOpen, 1)],
  ['tcp-rev', 'tcp pipe, 1 conn, download', () => reverse(tcpOpen, 1)],
  ['mux1-rev', 'mux, 1 stream, download', () => reverse(muxOpen, 1)],
  ['tcp8-fwd', 'tcp pipe, 8 conns, upload', () => forward(tcpOpen, 8)],
  ['mux8-fwd', 'mux, 8 streams, upload', () => forward(muxOpen, 8)],
  ['tcp8-rev', 'tcp pipe, 8 conns, download', () => reverse(tcpOpen, 8)],
  ['mux8-rev', 'mux, 8 streams, download', () => reverse(muxOpen, 8)],
];
const rows = new Map<string, number[]>();
const lat: { p50: number; p99: number; n: number }[] = [];
const latTcp: { p50: number; p99: number; n: number }[] = [];
for (let rep = 0; rep < REPS; rep++) {
  // Interleaved, so drift on a noisy machine hits every case alike.
  for (const [key, , run] of cases) {
    if (!want(key)) continue;
    if (process.env.ADIT_BENCH_DEBUG) console.error("case", key);
    rows.set(key, [...(rows.get(key) ?? []), await run()]);
  }
  if (want('latency')) lat.push(await latencyUnderLoad(muxOpen));
  if (want('latency-tcp')) latTcp.push(await latencyUnderLoad(tcpOpen));
}

const med = (key: string) => median(rows.get(key) ?? [NaN]);
const ratio = (k: string) => med(k) / med(k.replace('mux1', 'tcp').replace('mux8', 'tcp8'));
console.log(`adit mux micro-benchmark: ${SECONDS}s x ${REPS} reps, ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}`);
console.log('| case | median Gbit/s | min | max | mux / tcp pipe |');
console.log('|---|---:|---:|---:|---:|');
for (const [key, name] of cases) {
  const xs = rows.get(key);
  if (!xs) continue;
  const r = key.startsWith('mux') ? ratio(key).toFixed(2) : '';
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${r} |`);
}
const latLine = (what: string, xs: typeof lat) => {
  if (xs.length === 0) return;
  console.log(`${what}: p50 ${median(xs.map((l) => l.p50)).toFixed(3)} ms, p99 ${median(xs.map((l) => l.p99)).toFixed(3)} ms (${xs.reduce((a, l) => a + l.n, 0)} samples)`);
};
console.log('');
latLine('1-byte round trip on a second mux stream while one stream saturates the session', lat);
latLine('the same through the plain relays, on a second connection (the harness itself)', latTcp);
const checks: [string, boolean][] = [];
if (rows.has('mux1-fwd') && rows.has('tcp-fwd')) checks.push(['(b) 1 stream upload >= 0.6 x (a)', ratio('mux1-fwd') >= 0.6]);
if (rows.has('mux1-rev') && rows.has('tcp-rev')) checks.push(['(b) 1 stream download >= 0.6 x (a)', ratio('mux1-rev') >= 0.6]);
if (rows.has('mux8-fwd') && rows.has('tcp8-fwd')) checks.push(['(c) 8 streams upload >= 0.8 x (a)', ratio('mux8-fwd') >= 0.8]);
if (rows.has('mux8-rev') && rows.has('tcp8-rev')) checks.push(['(c) 8 streams download >= 0.8 x (a)', ratio('mux8-rev') >= 0.8]);
if (lat.length > 0) checks.push(['p99 under load < 5 ms', median(lat.map((l) => l.p99)) < 5]);
for (const [name, ok] of checks) console.log(`${ok ? 'met   ' : 'MISSED'} ${name}`);
if (JSON_OUT) {
  writeFileSync(JSON_OUT, JSON.stringify({ seconds: SECONDS, reps: REPS, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, gbps: Object.fromEntries(rows), latency: lat, latencyTcp: latTcp }, null, 2));
}
near.disconnect();
far.disconnect();
targets.close();
