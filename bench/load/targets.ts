/** The "home side" services that are not Debian tools: echo, one-shot request/response, endless source. */
import net from 'node:net';

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Echoes every byte (latency ping-pong, idle connections). */
export function echoServer(): net.Server {
  return net.createServer({ noDelay: true }, (s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
}

/** Reads one request byte, answers one byte, then ends: a minimal short-lived request/response. */
export function rrServer(): net.Server {
  return net.createServer({ noDelay: true }, (s) => {
    s.on('error', () => s.destroy());
    s.once('data', () => s.end('k'));
    s.on('end', () => s.end());
  });
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** Writes as fast as the reader takes it, respecting backpressure (slow-reader scenario). */
export function sourceServer(): net.Server {
  return net.createServer((s) => {
    let open = true;
    s.on('error', () => s.destroy());
    s.on('close', () => (open = false));
    s.on('data', () => undefined);
    const pump = () => {
      while (open && s.write(CHUNK));
    };
    s.on('drain', pump);
    pump();
  });
}

export async function startTargets(ports: { echo: number; rr: number; source: number }): Promise<{ echo: number; rr: number; source: number }> {
  return {
    echo: await listen(echoServer(), ports.echo),
    rr: await listen(rrServer(), ports.rr),
    source: await listen(sourceServer(), ports.source),
  };
}
