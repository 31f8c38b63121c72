/** Child process for bulk.test.ts: an acceptor session over WebSocket that sends and receives a stream's bytes at once. */
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { Session, type MuxStream } from '../../src/mux/index.js';
import { wsTransport, WS_MAX_PAYLOAD } from '../../src/transport/ws.js';
import { WS_SUBPROTOCOL } from '../../src/protocol/index.js';
import { receiveHashed, sendHashed } from './bulk-source.js';

const total = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: WS_MAX_PAYLOAD, handleProtocols: () => WS_SUBPROTOCOL });
await once(wss, 'listening');
wss.on('connection', (ws) => {
  const session = new Session(wsTransport(ws), { role: 'acceptor' });
  session.on('hello', () => session.sendHello({}));
  session.on('stream', async (st: MuxStream) => {
    st.accept();
    try {
      const [received, sent] = await Promise.all([receiveHashed(st), sendHashed(st, total)]);
      process.send!({ received, sent });
    } catch (err) {
      process.send!({ error: String(err) });
    }
  });
});
process.send!({ port: (wss.address() as { port: number }).port });
process.on('disconnect', () => process.exit(0));
