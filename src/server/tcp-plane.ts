import net from 'node:net';
import type { Logger } from 'pino';
import { resetSocket, splice } from '../transport/splice.js';
import type { ClientHandle } from './client-handle.js';
import type { ServerMetrics } from './metrics.js';

/** Reason label for a failed visitor stream: the wire code name, lower case. */
export function failureReason(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code.replace(/^ADIT_ERR_/, '').toLowerCase() : 'unknown';
}

/**
 * The TCP listeners clients asked for. Each visitor connection opens one stream
 * to the client that owns the port right now (looked up per connection, so a
 * reconnecting client takes its port over without a rebind).
 */
export class TcpPlane {
  private readonly servers = new Map<number, net.Server>();
  private readonly visitors = new Set<net.Socket>();

  constructor(
    private readonly dataAddr: string,
    private readonly owner: (route: string) => ClientHandle | undefined,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
    private readonly maxStreams: number,
  ) {}

  has(port: number): boolean {
    return this.servers.has(port);
  }

  /** Binds dataAddr:port. Rejects with the bind error (EADDRINUSE, EACCES…). */
  listen(port: number): Promise<void> {
    const route = `tcp:${port}`;
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.visit(route, socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.dataAddr, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error({ err, port }, 'listener failed'));
        this.servers.set(port, server);
        resolve();
      });
    });
  }

  /** Stops accepting on a port; connections already open go on until they end. */
  unlisten(port: number): void {
    const s = this.servers.get(port);
    if (!s) return;
    this.servers.delete(port);
    s.close();
  }

  closeAll(): void {
    for (const port of [...this.servers.keys()]) this.unlisten(port);
  }

  resetVisitors(): void {
    for (const v of this.visitors) resetSocket(v);
  }

  private visit(route: string, socket: net.Socket): void {
    const owner = this.owner(route);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (!owner) {
      resetSocket(socket);
      return;
    }
    if (owner.session.streamCount >= this.maxStreams) {
      this.metrics.dialFailures.inc({ upstream: route, reason: 'stream_limit' });
      resetSocket(socket);
      return;
    }
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    // open() never throws: a refusal, local or remote, arrives as the stream's error below.
    const stream = owner.session.open({ route, peer });
    this.visitors.add(socket);
    const { streamsTotal, streamsOpen: open, bytesIn, bytesOut } = this.metrics.forRoute(route);
    streamsTotal.inc();
    open.inc();
    let accepted = false;
    stream.once('accept', () => {
      accepted = true;
    });
    stream.once('error', (err) => {
      if (accepted) return;
      this.metrics.dialFailures.inc({ upstream: route, reason: failureReason(err) });
      this.log.info({ route, peer, client: owner.clientId, reason: err.message }, 'visitor refused by the client');
    });
    const started = Date.now();
    void splice(socket, stream, { fromSocket: (n) => bytesIn.inc(n), fromStream: (n) => bytesOut.inc(n) }).then(() => {
      open.dec();
      this.visitors.delete(socket);
      // Per-connection lines only when asked for: building them costs on a busy port.
      if (this.log.isLevelEnabled('debug')) {
        this.log.debug({ route, peer, client: owner.clientId, bytesIn: socket.bytesRead, bytesOut: socket.bytesWritten, ms: Date.now() - started, accepted }, 'visitor connection closed');
      }
    });
    socket.resume();
  }
}
