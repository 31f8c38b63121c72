/**
 * A one-process Node TCP relay joined with adit's own splice(), and nothing else:
 *   node dist/bench/tools/node-relay.js [--tls-listen CERT,KEY] [--tls-connect CA] LISTEN:TARGET [LISTEN:TARGET …]
 * Two of them chained are adit's shape (two Node processes between visitor and target)
 * without the tunnel: the bench's "node relays" participant, the floor Node sets for it.
 * With TLS on the hop between them (one relay listens with --tls-listen, the other dials
 * with --tls-connect), the same for adit over wss: "node relays tls".
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { splice } from '../../src/transport/splice.js';

const { values, positionals } = parseArgs({
  options: { 'tls-listen': { type: 'string' }, 'tls-connect': { type: 'string' } },
  allowPositionals: true,
});
const [certFile, keyFile] = values['tls-listen']?.split(',') ?? [];
const ca = values['tls-connect'] ? readFileSync(values['tls-connect']) : undefined;
const serverOptions = { allowHalfOpen: true, pauseOnConnect: true, noDelay: true };

function dial(port: number): net.Socket {
  const options = { host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true };
  return ca ? tls.connect({ ...options, ca, servername: 'localhost' }) : net.connect(options);
}

for (const pair of positionals) {
  const [listen, target] = pair.split(':').map(Number) as [number, number];
  const relay = (visitor: net.Socket) => void splice(visitor, dial(target));
  const server = certFile && keyFile
    ? tls.createServer({ ...serverOptions, cert: readFileSync(certFile), key: readFileSync(keyFile) }, relay)
    : net.createServer(serverOptions, relay);
  server.listen({ host: '127.0.0.1', port: listen, backlog: 4096 });
}
