import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';

/** A loopback TCP relay that can go silent: it keeps the connections open but stops moving bytes, like a dead peer or a partition. */
export async function freezableRelay(targetPort: number): Promise<{ port: number; freeze(): void; close(): void }> {
  const sockets: Socket[] = [];
  let frozen = false;
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.push(inbound, outbound);
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]] as const) {
      from.on('data', (c: Buffer) => { if (!frozen) to.write(c); });
      // A frozen path carries nothing, not even a close.
      from.on('error', () => { if (!frozen) to.destroy(); });
      from.on('close', () => { if (!frozen) to.destroy(); });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    freeze() { frozen = true; },
    close() { for (const s of sockets) s.destroy(); server.close(); },
  };
}
