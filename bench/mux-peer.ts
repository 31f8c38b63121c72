/**
 * A relay process of `npm run bench:mux`. Two of them stand between the
 * benchmark's visitors and its targets, the way adit's server and client do:
 *
 *   visitor ─► near (TCP listener) ══ one hop ══► far ─► target
 *
 * The hop is either a plain TCP connection per visitor (socket.pipe at both
 * ends: the baseline) or a stream of one adit mux session over a WebSocket.
 *
 *   near: node mux-peer.js near <farPlainPort> <farWsPort>
 *   far:  node mux-peer.js far <targetPort>
 * Each prints its listening ports to the parent over IPC.
 */
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { Session, type MuxStream } from '../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../src/protocol/index.js';
import type { Duplex } from 'node:stream';

const [role, a, b] = process.argv.slice(2);

/** Pipes both ways; an error on one side destroys the other, so nothing ends cleanly by mistake. */
function splice(x: Duplex, y: Duplex): void {
  x.pipe(y);
  y.pipe(x);
  x.on('error', () => y.destroy());
  y.on('error', () => x.destroy());
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

if (role === 'far') {
  const targetPort = Number(a);
  const dialTarget = (): Socket => connect(targetPort, '127.0.0.1').setNoDelay(true);
  const plainPort = await listen(createServer((s) => { s.setNoDelay(true); splice(s, dialTarget()); }));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, handleProtocols: () => WS_SUBPROTOCOL });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    const session = new Session(wsTransport(ws), { role: 'acceptor' });
    session.on('hello', () => session.sendHello({}));
    session.on('stream', (st: MuxStream) => {
      if (process.env.ADIT_BENCH_DEBUG) {
        const t = setInterval(() => console.error(`far stream ${st.id}: window ${st.windowSize} in ${st.bytesIn} flowRtt ${session.flowRtt()} rtt ${session.rtt}`), 500);
        st.on('close', () => clearInterval(t));
      }
      const up = dialTarget();
      up.once('connect', () => { st.accept(); splice(st, up); });
      up.once('error', () => st.destroy());
    });
    session.on('close', () => {});
  });
  process.send!({ plainPort, wsPort: (wss.address() as { port: number }).port });
} else {
  const [farPlain, farWs] = [Number(a), Number(b)];
  const ws = new WebSocket(`ws://127.0.0.1:${farWs}/`, WS_SUBPROTOCOL, { maxPayload: WS_MAX_PAYLOAD });
  await once(ws, 'open');
  const session = new Session(wsTransport(ws), { role: 'initiator' });
  session.sendHello({});
  await once(session, 'hello');
  const plainPort = await listen(createServer((s) => {
    s.setNoDelay(true);
    splice(s, connect(farPlain, '127.0.0.1').setNoDelay(true));
  }));
  const muxPort = await listen(createServer((s) => {
    s.setNoDelay(true);
    splice(s, session.open({ route: 'bench', peer: `${s.remoteAddress}:${s.remotePort}` }));
  }));
  process.send!({ plainPort, muxPort });
}
process.on('disconnect', () => process.exit(0));
