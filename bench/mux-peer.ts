/**
 * The processes of `npm run bench:mux` besides the driver. Two relays stand
 * between visitors and targets the way adit's server and client do, and a
 * load process runs the bulk visitors and targets, so that the driver's own
 * event loop measures latency and nothing else:
 *
 *   visitor ─► near (TCP listener) ══ one hop ══► far ─► target
 *
 * The hop is either a plain TCP connection per visitor (socket.pipe at both
 * ends: the baseline) or a stream of one adit mux session over a WebSocket.
 * Each relay has two lanes, bulk and interactive, which differ only in the
 * target the far relay dials (the load process, or the driver's echo server).
 *
 *   far:  node mux-peer.js far <bulkTargetPort> <echoTargetPort>
 *   near: node mux-peer.js near <farPlainBulk> <farPlainEcho> <farWsPort>
 *   load: node mux-peer.js load      (bulk targets; bulk visitors on request)
 * Each reports its ports to the parent over IPC.
 */
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import { Session, type MuxStream } from '../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../src/protocol/index.js';
import type { Duplex } from 'node:stream';

const [role, ...ports] = process.argv.slice(2);
const num = (i: number) => Number(ports[i]);
const CHUNK = Buffer.alloc(256 * 1024, 9);

/** Pipes both ways; an error on one side destroys the other, so nothing ends cleanly by mistake. */
function splice(x: Duplex, y: Duplex): void {
  x.pipe(y);
  y.pipe(x);
  x.on('error', () => y.destroy());
  y.on('error', () => x.destroy());
}

async function listen(handler: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => { s.setNoDelay(true); handler(s); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const dial = (port: number): Socket => connect(port, '127.0.0.1').setNoDelay(true);

async function far(): Promise<void> {
  const lanes: Record<string, number> = { bulk: num(0), echo: num(1) };
  const plainBulk = await listen((s) => splice(s, dial(lanes.bulk!)));
  const plainEcho = await listen((s) => splice(s, dial(lanes.echo!)));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, handleProtocols: () => WS_SUBPROTOCOL });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    const session = new Session(wsTransport(ws), { role: 'acceptor' });
    session.on('hello', () => session.sendHello({}));
    session.on('stream', (st: MuxStream) => {
      const up = dial(lanes[st.meta.route] ?? lanes.bulk!);
      up.once('connect', () => { st.accept(); splice(st, up); });
      up.once('error', () => st.destroy());
    });
    session.on('close', () => {});
  });
  process.send!({ plainBulk, plainEcho, wsPort: (wss.address() as { port: number }).port });
}

async function near(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${num(2)}/`, WS_SUBPROTOCOL, { maxPayload: WS_MAX_PAYLOAD });
  await once(ws, 'open');
  const session = new Session(wsTransport(ws), { role: 'initiator' });
  session.sendHello({});
  await once(session, 'hello');
  const mux = (route: string) => (s: Socket) => splice(s, session.open({ route, peer: `${s.remoteAddress}:${s.remotePort}` }));
  process.send!({
    plain: { bulk: await listen((s) => splice(s, dial(num(0)))), echo: await listen((s) => splice(s, dial(num(1)))) },
    mux: { bulk: await listen(mux('bulk')), echo: await listen(mux('echo')) },
  });
}

/** Bulk targets (a sink that reports what it got, a source that never stops) and bulk visitors started by the driver. */
async function load(): Promise<void> {
  const sunk = new Map<string, (r: { bytes: number; ns: number }) => void>();
  const targetPort = await listen((sock) => {
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
      } else {
        let stopped = false;
        sock.on('close', () => { stopped = true; });
        sock.resume();
        const pump = (): void => { while (!stopped && sock.write(CHUNK)); if (!stopped) sock.once('drain', pump); };
        pump();
      }
    });
  });

  async function visit(port: number, what: string, tag: string): Promise<Socket> {
    const s = dial(port);
    s.on('error', () => {});
    await once(s, 'connect');
    s.write(`${what}:${tag}`.padEnd(8, ' '));
    return s;
  }
  async function upload(port: number, tag: string, ms: number): Promise<{ bytes: number; ns: number }> {
    const s = await visit(port, 'sink', tag);
    const result = new Promise<{ bytes: number; ns: number }>((r) => sunk.set(tag, r));
    const until = Date.now() + ms;
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
  }
  async function download(port: number, tag: string, ms: number): Promise<{ bytes: number; ns: number }> {
    const s = await visit(port, 'source', tag);
    let bytes = 0;
    let first = 0n;
    const until = Date.now() + ms;
    await new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        if (bytes === 0) first = process.hrtime.bigint();
        bytes += c.length;
        if (Date.now() >= until) { s.removeAllListeners('data'); s.destroy(); resolve(); }
      });
    });
    return { bytes, ns: Number(process.hrtime.bigint() - first) };
  }

  process.on('message', async (m: { id: number; port: number; dir: 'up' | 'down'; streams: number; ms: number }) => {
    // Tags fit the 8-byte command ("sink:NNN").
    const runs = Array.from({ length: m.streams }, (_, i) => (m.dir === 'up' ? upload : download)(m.port, String((m.id * 8 + i) % 1000), m.ms));
    const results = await Promise.all(runs);
    process.send!({ id: m.id, bytes: results.reduce((a, r) => a + r.bytes, 0), ns: Math.max(...results.map((r) => r.ns)) });
  });
  process.send!({ targetPort });
}

// ADIT_BENCH_LOOP=1: each process reports its event-loop delay when the driver lets go, to tell a
// long turn in a relay (a tail no window can fix) from queueing on the wire.
if (process.env.ADIT_BENCH_LOOP) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  process.once('disconnect', () => {
    const ms = (ns: number) => (ns / 1e6).toFixed(2);
    const cpu = process.cpuUsage();
    process.stderr.write(`${role}: event-loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms; cpu user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms\n`);
  });
}
await (role === 'far' ? far() : role === 'near' ? near() : load());
process.on('disconnect', () => process.exit(0));
