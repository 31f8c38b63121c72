import net from 'node:net';
import type { Logger } from 'pino';
import { resetSocket, splice, type SpliceCounters } from '../transport/splice.js';
import type { RouteMetrics } from '../transport/route-metrics.js';
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
    const m = this.metrics.forRoute(route);
    // Made once per listener, not per connection.
    const counters: SpliceCounters = { fromSocket: (n) => m.bytesIn.inc(n), fromStream: (n) => m.bytesOut.inc(n) };
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.visit(route, socket, m, counters));
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

  private visit(route: string, socket: net.Socket, m: RouteMetrics, counters: SpliceCounters): void {
    const owner = this.owner(route);
    if (!owner) {
      resetSocket(socket);
      return;
    }
    if (owner.session.streamCount >= this.maxStreams) {
      this.metrics.dialFailures.inc({ upstream: route, reason: 'stream_limit' });
      resetSocket(socket);
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    // open() never throws: a refusal, local or remote, arrives as the stream's error below.
    const stream = owner.session.open({ route, peer });
    this.visitors.add(socket);
    m.streamsTotal.inc();
    m.streamsOpen.inc();
    // Plain on(), not once(): each fires at most once, and once() would wrap every listener anew.
    let accepted = false;
    stream.on('accept', () => {
      accepted = true;
    });
    stream.on('error', (err) => {
      if (accepted) return;
      this.metrics.dialFailures.inc({ upstream: route, reason: failureReason(err) });
      this.log.info({ route, peer, client: owner.clientId, reason: err.message }, 'visitor refused by the client');
    });
    // Per-connection lines only when asked for: building them (and reading the clock) costs on a busy port.
    const started = this.log.isLevelEnabled('debug') ? Date.now() : 0;
    void splice(socket, stream, counters).then(() => {
      m.streamsOpen.dec();
      this.visitors.delete(socket);
      if (started !== 0) {
        this.log.debug({ route, peer, client: owner.clientId, bytesIn: socket.bytesRead, bytesOut: socket.bytesWritten, ms: Date.now() - started, accepted }, 'visitor connection closed');
      }
    });
  }
}
