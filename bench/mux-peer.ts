/**
 * The far process of `npm run bench:mux`: a plain TCP endpoint and an adit mux
 * acceptor over WebSocket. Each connection or stream says what it is for in
 * its first line ("sink", "source", "echo") for TCP, or in its route for mux.
 */
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { Session, type MuxStream } from '../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../src/protocol/index.js';
import type { Duplex } from 'node:stream';

const CHUNK = Buffer.alloc(256 * 1024, 7);

function sink(s: Duplex, tag: string): void {
  let bytes = 0;
  let first = 0n;
  s.on('data', (c: Buffer) => {
    if (bytes === 0) first = process.hrtime.bigint();
    bytes += c.length;
  });
  s.on('end', () => {
    process.send!({ kind: 'sunk', tag, bytes, ns: Number(process.hrtime.bigint() - first) });
    s.end();
  });
  s.on('error', () => {});
}

function source(s: Duplex): void {
  let stopped = false;
  s.on('error', () => { stopped = true; });
  s.on('close', () => { stopped = true; });
  s.on('end', () => { stopped = true; s.end(); });
  s.resume();
  const pump = (): void => {
    while (!stopped && s.write(CHUNK));
    if (!stopped) s.once('drain', pump);
  };
  pump();
}

function serve(s: Duplex, what: string, tag: string): void {
  if (what === 'sink') sink(s, tag);
  else if (what === 'source') source(s);
  else if (what === 'echo') s.pipe(s);
}

const tcp = createServer((sock: Socket) => {
  sock.setNoDelay(true);
  sock.once('readable', function first() {
    const line = sock.read(8) as Buffer | null;
    if (!line) { sock.once('readable', first); return; }
    const [what, tag] = line.toString().trim().split(':');
    serve(sock, what!, tag ?? '');
  });
});
tcp.listen(0, '127.0.0.1');
await once(tcp, 'listening');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, handleProtocols: () => WS_SUBPROTOCOL });
await once(wss, 'listening');
wss.on('connection', (ws) => {
  const session = new Session(wsTransport(ws), { role: 'acceptor' });
  session.on('hello', () => session.sendHello({ caps: [] }));
  session.on('stream', (st: MuxStream) => {
    st.accept();
    const [what, tag] = st.meta.route.split(':');
    serve(st, what!, tag ?? '');
  });
  session.on('close', () => {});
});

process.send!({
  kind: 'ready',
  tcpPort: (tcp.address() as { port: number }).port,
  wsPort: (wss.address() as { port: number }).port,
});
process.on('disconnect', () => process.exit(0));
