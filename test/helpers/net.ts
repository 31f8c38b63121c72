/** Small loopback services and probes shared by the server/client/e2e tests. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

export async function listenLocal(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

export function closeQuietly(server: net.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((r) => {
    server.close(() => r());
    (server as http.Server).closeAllConnections?.();
  });
}

/**
 * A TCP target that hashes everything it receives and, when the peer half-closes,
 * answers with the hex sha256 and the byte count, then ends.
 */
export function hashServer(): net.Server {
  return net.createServer({ allowHalfOpen: true }, (s) => {
    const h = createHash('sha256');
    let n = 0;
    s.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    s.on('end', () => s.end(`${h.digest('hex')} ${n}\n`));
    s.on('error', () => undefined);
  });
}

/** An echo target; keeps half-close (ends only after the peer ended). */
export function echoServer(): net.Server {
  return net.createServer({ allowHalfOpen: true }, (s) => {
    s.pipe(s);
    s.on('error', () => undefined);
  });
}

/** Connects to 127.0.0.1:port and reads everything; rejects on error (e.g. ECONNRESET). */
export function roundTrip(port: number, send: Buffer | string, opts: { halfClose?: boolean } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(parts));
    });
    s.on('error', reject);
    s.write(send);
    if (opts.halfClose !== false) s.end();
  });
}

/** How a visitor connection ended: a clean end of stream or an error such as ECONNRESET. */
export function visitorOutcome(port: number, send: string): Promise<{ ended: boolean; error?: string; data: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let data = '';
    s.on('data', (c: Buffer) => {
      data += c.toString();
    });
    s.on('end', () => {
      s.destroy();
      resolve({ ended: true, data });
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ ended: false, error: err.code, data }));
    s.write(send);
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function httpGet(url: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** An HTTP target that answers with its name, the Host it saw and the remote port of the connection (to see keep-alive reuse). */
export function namedHttpServer(name: string): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => {
        res.writeHead(200);
        res.end(`${name} slow done`);
      }, 1500);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, host: req.headers.host, url: req.url, method: req.method, port: req.socket.remotePort, xff: req.headers['x-forwarded-for'], body }));
    });
  });
}
