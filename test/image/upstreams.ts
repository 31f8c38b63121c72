import { createServer as createHttpServer, request, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP echo server on 127.0.0.1, port 0. */
export async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** An HTTP server on 127.0.0.1 that answers with what it saw, so a test can tell it was reached. */
export async function webServer(marker: string): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ marker, method: req.method, url: req.url, host: req.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Ports that were free a moment ago on 127.0.0.1 (the containers bind them on the host network). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      servers.push(s);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET :${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until GET returns 200, or throws after the deadline with the last answer. */
export async function waitFor200(port: number, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await httpGet(port, path, {}, 2_000);
      if (r.status === 200) return;
      last = `${r.status} ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`127.0.0.1:${port}${path} not 200 within ${timeoutMs} ms (last: ${last})`);
}

/** Sends data through a TCP connection, half-closes, and collects everything that comes back. */
export function tcpRoundTrip(port: number, data: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock: Socket = connect(port, '127.0.0.1', () => sock.end(data));
    const timer = setTimeout(() => sock.destroy(new Error(`TCP round trip via :${port} timed out after ${timeoutMs} ms`)), timeoutMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** A TCP connection kept open to an echo path, for checking that a stream survives (or not) while its carrier drains. */
export class HeldConnection {
  private readonly sock: Socket;
  private buffered = Buffer.alloc(0);
  private waiter?: () => void;
  readonly closed: Promise<void>;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('data', (c: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, c]);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => sock.on('close', () => resolve()));
    sock.on('error', () => this.waiter?.());
  }

  static open(port: number): Promise<HeldConnection> {
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => resolve(new HeldConnection(sock)));
      sock.once('error', reject);
    });
  }

  /** Writes data and waits until exactly the same bytes came back. */
  async roundTrip(data: Buffer, timeoutMs = 10_000): Promise<void> {
    this.buffered = Buffer.alloc(0);
    this.sock.write(data);
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.length < data.length) {
      if (this.sock.destroyed) throw new Error(`connection closed after ${this.buffered.length} of ${data.length} echoed bytes`);
      if (Date.now() > deadline) throw new Error(`only ${this.buffered.length} of ${data.length} bytes echoed within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 100);
      });
    }
    if (!this.buffered.subarray(0, data.length).equals(data)) throw new Error('echoed bytes differ');
  }

  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }
}
