import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { Session, type SessionOptions } from '../../src/mux/index.js';
import { socketTransport } from '../../src/transport/socket.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../../src/transport/ws.js';
import { memoryTransportPair, type MemoryTransport } from '../../src/transport/memory.js';
import { WS_SUBPROTOCOL } from '../../src/protocol/index.js';

export interface Pair {
  a: Session; // initiator
  b: Session; // acceptor
  close(): Promise<void>;
  /** The raw sockets, for tests that need to interfere with them. */
  sockets?: { a: Socket; b: Socket };
  memory?: { a: MemoryTransport; b: MemoryTransport };
}

type Opts = Omit<SessionOptions, 'role'>;

async function helloBoth(a: Session, b: Session): Promise<void> {
  const seen = Promise.all([once(a, 'hello'), once(b, 'hello')]);
  a.sendHello({ caps: [] });
  b.sendHello({ caps: [] });
  await seen;
}

/** Two sessions over a real loopback TCP connection. */
export async function socketPair(aOpts: Opts = {}, bOpts: Opts = aOpts): Promise<Pair> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection');
  const sa = connect(port, '127.0.0.1');
  await once(sa, 'connect');
  const [sb] = (await accepted) as [Socket];
  server.close();
  const a = new Session(socketTransport(sa), { ...aOpts, role: 'initiator' });
  const b = new Session(socketTransport(sb), { ...bOpts, role: 'acceptor' });
  await helloBoth(a, b);
  return {
    a, b, sockets: { a: sa, b: sb },
    async close() { a.destroy(); b.destroy(); sa.destroy(); sb.destroy(); },
  };
}

/** Two sessions over a real loopback WebSocket. */
export async function wsPair(aOpts: Opts = {}, bOpts: Opts = aOpts): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, handleProtocols: () => WS_SUBPROTOCOL });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  const accepted = once(wss, 'connection');
  const wa = new WebSocket(`ws://127.0.0.1:${port}/`, WS_SUBPROTOCOL, { maxPayload: WS_MAX_PAYLOAD });
  await once(wa, 'open');
  const [wb] = (await accepted) as [WebSocket];
  const a = new Session(wsTransport(wa), { ...aOpts, role: 'initiator' });
  const b = new Session(wsTransport(wb), { ...bOpts, role: 'acceptor' });
  await helloBoth(a, b);
  return {
    a, b,
    async close() { a.destroy(); b.destroy(); wa.terminate(); wb.terminate(); await new Promise((r) => wss.close(() => r(undefined))); },
  };
}

/** Two sessions over the in-memory transport. */
export async function memoryPair(aOpts: Opts = {}, bOpts: Opts = aOpts): Promise<Pair> {
  const [ta, tb] = memoryTransportPair();
  const a = new Session(ta, { ...aOpts, role: 'initiator' });
  const b = new Session(tb, { ...bOpts, role: 'acceptor' });
  await helloBoth(a, b);
  return { a, b, memory: { a: ta, b: tb }, async close() { a.destroy(); b.destroy(); } };
}

/** Accept every stream the peer opens and echo it back (half-close preserved). */
export function echo(s: Session): void {
  s.on('stream', (st) => { st.accept(); st.pipe(st); st.on('error', () => {}); });
}
