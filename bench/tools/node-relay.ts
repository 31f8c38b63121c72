/**
 * A one-process Node TCP relay joined with adit's own splice(), and nothing else:
 *   node dist/bench/tools/node-relay.js [--tls-listen CERT,KEY] [--tls-connect CA] [--masked] LISTEN:TARGET …
 * Two of them chained are adit's shape (two Node processes between visitor and target)
 * without the tunnel: the bench's "node relays" participant, the floor Node sets for it.
 * With TLS on the hop between them (one relay listens with --tls-listen, the other dials
 * with --tls-connect), the same for adit over wss: "node relays tls".
 * With --masked on both, the home relay masks what the target sends before it goes up the hop and
 * the cloud relay unmasks it off the hop: the least a WebSocket client's bytes cost over plain ws
 * (RFC 6455 masks them), one XOR pass in place at each end and no framing: "node relays masked".
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { splice } from '../../src/transport/splice.js';
import { keyFrom } from '../../src/transport/ws-frame.js';
import { unmaskInPlace } from '../../src/transport/ws-mask.js';

const { values, positionals } = parseArgs({
  options: {
    'tls-listen': { type: 'string' },
    'tls-connect': { type: 'string' },
    masked: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const [certFile, keyFile] = values['tls-listen']?.split(',') ?? [];
const ca = values['tls-connect'] ? readFileSync(values['tls-connect']) : undefined;
const serverOptions = { allowHalfOpen: true, pauseOnConnect: true, noDelay: true };

function dial(port: number): net.Socket {
  const options = { host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true };
  return ca ? tls.connect({ ...options, ca, servername: 'localhost' }) : net.connect(options);
}

/** Both relays' key. The XOR pass costs the same whatever the key; ws's per-frame random keys come from a pool. */
const KEY = Buffer.from([0x5a, 0xc3, 0x96, 0x0f]);

/**
 * XORs every chunk `socket` reads with the key, in place, before splice() passes it on (a listener
 * added first runs first). The key runs on across chunks, as it does across a frame's payload.
 */
function xorReads(socket: net.Socket): void {
  let offset = 0;
  const rotated = Buffer.alloc(4);
  socket.on('data', (chunk: Buffer) => {
    unmaskInPlace(chunk, keyFrom(KEY, offset, rotated));
    offset = (offset + chunk.length) & 3;
  });
}

for (const pair of positionals) {
  const [listen, target] = pair.split(':').map(Number) as [number, number];
  const relay = (visitor: net.Socket) => {
    const upstream = dial(target);
    // Home dials the target, whose bytes go up the hop masked; cloud dials the hop and unmasks what comes down it.
    if (values.masked) xorReads(upstream);
    void splice(visitor, upstream);
  };
  const server = certFile && keyFile
    ? tls.createServer({ ...serverOptions, cert: readFileSync(certFile), key: readFileSync(keyFile) }, relay)
    : net.createServer(serverOptions, relay);
  server.listen({ host: '127.0.0.1', port: listen, backlog: 4096 });
}
