/**
 * A one-process Node TCP relay joined with adit's own splice(), and nothing else:
 *   node dist/bench/tools/node-relay.js LISTEN:TARGET [LISTEN:TARGET …]
 * Two of them chained are adit's shape (two Node processes between visitor and target)
 * without the tunnel: the bench's "node relays" participant, the floor Node sets for it.
 */
import net from 'node:net';
import { splice } from '../../src/transport/splice.js';

for (const pair of process.argv.slice(2)) {
  const [listen, target] = pair.split(':').map(Number) as [number, number];
  net
    .createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (visitor) => {
      const upstream = net.connect({ host: '127.0.0.1', port: target, allowHalfOpen: true, noDelay: true });
      void splice(visitor, upstream);
    })
    .listen({ host: '127.0.0.1', port: listen, backlog: 4096 });
}
