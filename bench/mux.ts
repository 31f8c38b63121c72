/**
 * npm run bench:mux — bulk throughput and latency of the multiplexer between
 * two Node processes over a loopback WebSocket, against plain TCP piping over
 * the same single hop. Prints Gbit/s; see docs/benchmarks.md.
 *
 *   --seconds N   length of each measurement (default 4)
 *   --reps N      repetitions, reported as median (default 3)
 *   --json FILE   raw figures
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { WebSocket } from 'ws';
import { Session, type MuxStream } from '../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../src/protocol/index.js';
import type { Duplex } from 'node:stream';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const SECONDS = Number(opt('seconds', '4'));
const REPS = Number(opt('reps', '3'));
const JSON_OUT = opt('json', '');
const CHUNK = Buffer.alloc(256 * 1024, 9);

interface Sunk { kind: 'sunk'; tag: string; bytes: number; ns: number }

const peer: ChildProcess = fork(new URL('./mux-peer.js', import.meta.url), {
  stdio: 'inherit',
  execArgv: process.env.ADIT_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ADIT_BENCH_PROFILE}`] : [],
});
const [ready] = (await once(peer, 'message')) as [{ tcpPort: number; wsPort: number }];
const sunk = new Map<string, (m: Sunk) => void>();
peer.on('message', (m: Sunk) => { if (m.kind === 'sunk') sunk.get(m.tag)?.(m); });
const waitSunk = (tag: string) => new Promise<Sunk>((r) => sunk.set(tag, r));

let tagSeq = 0;
const nextTag = () => String(++tagSeq % 1000);

async function tcpOpen(what: string, tag: string): Promise<Socket> {
  const s = connect(ready.tcpPort, '127.0.0.1');
  s.setNoDelay(true);
  await once(s, 'connect');
  s.write(`${what}:${tag}`.padEnd(8, ' '));
  return s;
}

const ws = new WebSocket(`ws://127.0.0.1:${ready.wsPort}/`, WS_SUBPROTOCOL, { maxPayload: WS_MAX_PAYLOAD });
await once(ws, 'open');
const session = new Session(wsTransport(ws), { role: 'initiator' });
session.sendHello({ caps: [] });
await once(session, 'hello');

async function muxOpen(what: string, tag: string): Promise<MuxStream> {
  const s = session.open({ route: `${what}:${tag}` });
  s.on('error', () => {}); // the session is torn down at the end with streams still open
  await once(s, 'accept');
  return s;
}

/** Write for SECONDS, then end; the far side reports what it received. Returns Gbit/s. */
async function forward(open: (what: string, tag: string) => Promise<Duplex>, streams: number): Promise<number> {
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
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  const ns = Math.max(...results.map((r) => r.ns));
  return (bytes * 8) / ns;
}

/** Read from a far source for SECONDS. Returns Gbit/s. */
async function reverse(open: (what: string, tag: string) => Promise<Duplex>, streams: number): Promise<number> {
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
      s.on('error', () => {});
    });
    return { bytes, ns: Number(process.hrtime.bigint() - first) };
  });
  const results = await Promise.all(runs);
  return (results.reduce((a, r) => a + r.bytes, 0) * 8) / Math.max(...results.map((r) => r.ns));
}

/** 1-byte round trips on an echo stream while a bulk forward transfer saturates the session. */
async function latencyUnderLoad(): Promise<{ p50: number; p99: number; n: number }> {
  const echo = await muxOpen('echo', nextTag());
  const bulk = forward(muxOpen, 1);
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
  echo.end();
  await bulk;
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), n: samples.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Record<string, number[]> = {
  'tcp pipe fwd': [], 'tcp pipe rev': [], 'mux 1 stream fwd': [], 'mux 1 stream rev': [], 'mux 8 streams fwd': [], 'mux 8 streams rev': [],
};
const lat: { p50: number; p99: number; n: number }[] = [];
for (let rep = 0; rep < REPS; rep++) {
  // Interleave participants so drift on a noisy machine hits all alike.
  rows['tcp pipe fwd']!.push(await forward(tcpOpen, 1));
  rows['mux 1 stream fwd']!.push(await forward(muxOpen, 1));
  rows['tcp pipe rev']!.push(await reverse(tcpOpen, 1));
  rows['mux 1 stream rev']!.push(await reverse(muxOpen, 1));
  rows['mux 8 streams fwd']!.push(await forward(muxOpen, 8));
  rows['mux 8 streams rev']!.push(await reverse(muxOpen, 8));
  lat.push(await latencyUnderLoad());
}

const tcpFwd = median(rows['tcp pipe fwd']!);
const tcpRev = median(rows['tcp pipe rev']!);
console.log(`adit mux micro-benchmark: ${SECONDS}s x ${REPS} reps, ${cpus()[0]?.model ?? '?'} x${cpus().length}, node ${process.version}`);
console.log('| case | median Gbit/s | min | max | ratio to tcp pipe |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, xs] of Object.entries(rows)) {
  const base = name.endsWith('fwd') ? tcpFwd : tcpRev;
  console.log(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${(median(xs) / base).toFixed(2)} |`);
}
const p99 = median(lat.map((l) => l.p99));
console.log(`\n1-byte round trip on a second stream while one stream saturates the session: p50 ${median(lat.map((l) => l.p50)).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (${lat.reduce((a, l) => a + l.n, 0)} samples)`);
const checks = [
  ['(b) 1 stream fwd >= 0.6 x (a)', median(rows['mux 1 stream fwd']!) / tcpFwd >= 0.6],
  ['(b) 1 stream rev >= 0.6 x (a)', median(rows['mux 1 stream rev']!) / tcpRev >= 0.6],
  ['(c) 8 streams fwd >= 0.8 x (a)', median(rows['mux 8 streams fwd']!) / tcpFwd >= 0.8],
  ['(c) 8 streams rev >= 0.8 x (a)', median(rows['mux 8 streams rev']!) / tcpRev >= 0.8],
  ['p99 under load < 5 ms', p99 < 5],
] as const;
for (const [name, ok] of checks) console.log(`${ok ? 'met   ' : 'MISSED'} ${name}`);
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ seconds: SECONDS, reps: REPS, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, rows, latency: lat }, null, 2));
session.destroy();
ws.terminate();
peer.disconnect();
