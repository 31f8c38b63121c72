import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Session } from '../mux/index.js';
import { AditError, WireCode, WS_SUBPROTOCOL, type Hello } from '../protocol/index.js';
import { WS_MAX_PAYLOAD, wsTransport } from '../transport/ws.js';
import { createAdminServer } from './admin.js';
import type { ClientHandle } from './client-handle.js';
import { helloProblem, parseRoute, type ClientHello, type ServerHello, type UpstreamResult } from '../protocol/hello.js';
import { claimAllowed } from './host-match.js';
import { HttpPlane } from './http-plane.js';
import { closeServer, hostPort, listen } from './listen.js';
import { ServerMetrics } from './metrics.js';
import { SERVER_DEFAULTS, type ServerOptions } from './options.js';
import { RouteRegistry } from './registry.js';
import { TcpPlane } from './tcp-plane.js';
import { readTlsFiles, watchTls } from './tls-reload.js';
import { AuthThrottle } from './throttle.js';
import { watchTokens } from './token-reload.js';
import { bearer, type TokenEntry, type TokenSet } from './tokens.js';

export interface ServerAddresses {
  control: string;
  http?: string;
  admin?: string;
}

/** Unauthorised upgrades held back by the throttle at once. */
const MAX_DELAYED_REFUSALS = 1024;

/**
 * adit server: accepts tunnel clients on the control port, binds the TCP
 * ports they ask for, routes HTTP by Host, and serves admin endpoints.
 * Events: 'client' (id), 'client-gone' (id).
 */
export class AditServer extends EventEmitter {
  readonly metrics: ServerMetrics;
  private readonly o: ServerOptions & typeof SERVER_DEFAULTS;
  private readonly registry = new RouteRegistry<ClientHandle>();
  private readonly clients = new Map<string, ClientHandle>();
  private readonly tcp: TcpPlane;
  private readonly http: HttpPlane;
  private readonly throttle = new AuthThrottle();
  private readonly wss = new WebSocketServer({
    noServer: true,
    // Sessions are tracked here; once a transport takes a socket over, ws never sees it close.
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: WS_MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  });
  private controlServer?: http.Server | https.Server;
  private httpServer?: http.Server;
  private adminServer?: http.Server;
  private unwatchTls?: () => void;
  private unwatchTokens?: () => void;
  private tokens: TokenSet;
  private listening = false;
  private delayedRefusals = 0;
  private draining = false;
  private closed?: Promise<void>;
  readonly addresses: ServerAddresses = { control: '' };

  constructor(options: ServerOptions) {
    super();
    this.o = { ...SERVER_DEFAULTS, ...stripUndefined(options) } as ServerOptions & typeof SERVER_DEFAULTS;
    this.tokens = this.o.tokens;
    this.metrics = new ServerMetrics(() => [...this.clients.values()].map((c) => [c.clientId, c.session.rtt]));
    const owner = (route: string): ClientHandle | undefined => this.registry.get(route);
    this.tcp = new TcpPlane(this.o.dataAddr, owner, this.metrics, this.o.logger, this.o.maxStreams);
    this.http = new HttpPlane(owner, this.metrics, this.o.logger, this.o.maxStreams);
  }

  get log() {
    return this.o.logger;
  }

  async start(): Promise<ServerAddresses> {
    const o = this.o;
    const shared = o.httpPort !== 0 && o.httpPort === o.controlPort && o.dataAddr === o.controlAddr;
    const serverOpts: http.ServerOptions = {
      headersTimeout: o.headersTimeout,
      requestTimeout: o.requestTimeout,
      maxHeaderSize: o.maxHeaderSize,
      keepAliveTimeout: o.keepAliveTimeout,
      // Node checks header/request timeouts only this often (default 30 s), which would let slowloris linger.
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(o.headersTimeout / 4))),
    };
    const control = o.tls ? https.createServer({ ...serverOpts, ...readTlsFiles(o.tls) }) : http.createServer(serverOpts);
    control.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (pathOf(req) === o.controlPath) {
        this.upgradeControl(req, socket, head).catch((err: Error) => {
          this.log.error({ err: err.message }, 'control upgrade failed');
          socket.destroy();
        });
      }
      else if (shared) this.http.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    control.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (shared && pathOf(req) !== o.controlPath) return this.http.handleRequest(req, res);
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('this is an adit tunnel endpoint: connect with adit client\n');
    });
    control.on('clientError', answerClientError);
    this.controlServer = control;
    const cport = await listen(control, o.controlAddr, o.controlPort);
    this.addresses.control = hostPort(o.controlAddr, cport);
    if (o.tls) this.unwatchTls = watchTls(control as https.Server, o.tls, o.logger);
    if (o.tokenSource) this.unwatchTokens = watchTokens(o.tokenSource, (t) => (this.tokens = t), o.logger);

    if (o.httpPort !== 0 && !shared) {
      const hs = http.createServer(serverOpts, (req, res) => this.http.handleRequest(req, res));
      hs.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.http.handleUpgrade(req, socket, head));
      hs.on('clientError', answerClientError);
      this.httpServer = hs;
      this.addresses.http = hostPort(o.dataAddr, await listen(hs, o.dataAddr, o.httpPort));
    } else if (shared) {
      this.addresses.http = this.addresses.control;
    }

    if (o.adminPort !== undefined) {
      this.adminServer = createAdminServer({
        ready: () => this.listening && !this.draining,
        notReadyReason: () => (this.draining ? 'draining' : 'not listening yet'),
        registry: this.metrics.registry,
        status: (req) => this.statusFor(req),
      });
      this.addresses.admin = hostPort(o.adminAddr, await listen(this.adminServer, o.adminAddr, o.adminPort));
    }
    this.listening = true;
    o.logger.info({ ...this.addresses, path: o.controlPath, tls: Boolean(o.tls), dataAddr: o.dataAddr, allowPorts: o.allowPorts.toString(), tokenCount: this.tokens.size }, 'adit server listening');
    return this.addresses;
  }

  private async statusFor(req: http.IncomingMessage): Promise<{ code: number; body: unknown }> {
    const token = bearer(req.headers.authorization);
    const addr = req.socket.remoteAddress ?? '';
    if (!token || !this.tokens.match(token)) {
      this.metrics.authFailures.inc({ reason: token ? 'bad_token' : 'no_token' });
      await sleep(this.throttle.failure(addr));
      return { code: 401, body: { error: 'a valid Bearer token is required' } };
    }
    this.throttle.success(addr);
    return { code: 200, body: this.status() };
  }

  /** JSON snapshot of clients, routes and counters (what /status serves). */
  status(): unknown {
    const clients = [...this.clients.values()].map((c) => ({
      id: c.clientId,
      token: c.tokenLabel,
      remote: c.remote,
      connectedAt: c.connectedAt.toISOString(),
      version: c.version ?? null,
      rttMs: c.session.rtt === undefined ? null : Math.round(c.session.rtt * 10) / 10,
      streams: c.session.streamCount,
      routes: [...c.routes].sort(),
      stats: c.session.stats,
    }));
    const routes = [...this.registry.entries()].map(([route, c]) => ({ route, client: c.clientId })).sort((a, b) => a.route.localeCompare(b.route));
    return { listening: this.listening, draining: this.draining, addresses: this.addresses, clients, routes };
  }

  private async upgradeControl(req: http.IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const addr = req.socket.remoteAddress ?? 'unknown';
    const refuse = (code: number, text: string, extra = ''): void => {
      if (socket.writable) socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\nConnection: close\r\n${extra}\r\n${text}\n`);
      else socket.destroy();
    };
    if (this.draining) return refuse(503, 'server is shutting down');
    const token = bearer(req.headers.authorization);
    const entry = token ? this.tokens.match(token) : undefined;
    if (!entry) {
      this.metrics.authFailures.inc({ reason: token ? 'bad_token' : 'no_token' });
      const wait = this.throttle.failure(addr);
      this.log.warn({ remote: addr, reason: token ? 'token not accepted' : 'no Bearer token', delayMs: wait }, 'control connection refused');
      // Held sockets cost memory: past a bound, slow answers become immediate drops.
      if (wait > 0 && this.delayedRefusals >= MAX_DELAYED_REFUSALS) return void socket.destroy();
      this.delayedRefusals++;
      await sleep(wait);
      this.delayedRefusals--;
      return refuse(401, 'unauthorized', 'WWW-Authenticate: Bearer\r\n');
    }
    this.throttle.success(addr);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(WS_SUBPROTOCOL)) {
      this.metrics.authFailures.inc({ reason: 'bad_subprotocol' });
      return refuse(400, `the WebSocket subprotocol ${WS_SUBPROTOCOL} is required`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, addr, req.socket.remotePort ?? 0, entry));
  }

  private accept(ws: WebSocket, addr: string, port: number, token: TokenEntry): void {
    const o = this.o;
    const remote = hostPort(addr, port);
    const session = new Session(wsTransport(ws), {
      role: 'acceptor',
      keepaliveInterval: o.keepaliveInterval,
      keepaliveTimeout: o.keepaliveTimeout,
      ...(o.sessionMemory ? { memoryBudget: o.sessionMemory } : {}),
    });
    const timer = setTimeout(() => {
      this.log.warn({ remote }, 'no HELLO in time; closing');
      session.destroy(new AditError('ADIT_ERR_PROTOCOL_ERROR', 'no HELLO in time', WireCode.PROTOCOL_ERROR));
    }, o.helloTimeout);
    let handle: ClientHandle | undefined;
    let closed = false;
    session.on('goaway', () => {
      if (handle) this.http.retire(handle);
    });
    session.on('stream', (s) => s.refuse(WireCode.NOT_ALLOWED, 'the server does not accept streams from clients'));
    session.once('hello', (h: Hello) => {
      clearTimeout(timer);
      void this.onHello(session, h, remote, token, () => closed).then((c) => {
        handle = c;
        // 'close' can run before this (it is emitted on nextTick, ahead of promise callbacks)
        // when the HELLO and a fatal frame came in one chunk: forget the client now.
        if (c && closed) this.drop(c, new Error('session closed during HELLO'));
      }, (err: Error) => {
        this.log.error({ remote, err: err.message }, 'HELLO handling failed');
        session.destroy(err);
      });
    });
    session.once('close', (err?: Error) => {
      closed = true;
      clearTimeout(timer);
      if (handle) this.drop(handle, err);
    });
  }

  private async onHello(session: Session, h: Hello, remote: string, token: TokenEntry, isClosed: () => boolean): Promise<ClientHandle | undefined> {
    const problem = helloProblem(h);
    if (problem) {
      this.log.warn({ remote, problem }, 'HELLO rejected');
      session.sendHello({ v: 1, caps: [], results: [], error: problem } satisfies ServerHello);
      void session.close(1000);
      return undefined;
    }
    const hello = h as ClientHello;
    const handle: ClientHandle = {
      clientId: hello.id,
      session,
      tokenLabel: token.label,
      remote,
      connectedAt: new Date(),
      version: typeof hello.version === 'string' ? hello.version.slice(0, 64) : undefined,
      routes: new Set(),
      replaced: false,
    };
    const old = this.clients.get(hello.id);
    if (old) {
      old.replaced = true;
      this.metrics.replaced.inc();
      this.log.info({ client: hello.id, old: old.remote, remote }, 'client reconnected; replacing its previous session');
    }
    this.clients.set(hello.id, handle);
    const results: UpstreamResult[] = [];
    for (const up of hello.upstreams) results.push(await this.claim(up, handle, token));
    if (old) {
      // Routes the client no longer declares are let go; the stale session ends now.
      for (const r of [...old.routes]) this.releaseRoute(r, old);
      this.http.retire(old);
      old.session.goaway(WireCode.REPLACED, 'replaced by a newer session of the same client id');
      old.session.destroy(new AditError('ADIT_ERR_REPLACED', 'replaced by a newer session of the same client id', WireCode.REPLACED));
    }
    if (isClosed()) {
      // The session died while ports were being bound: give everything back.
      this.drop(handle, new Error('session closed during HELLO'));
      return undefined;
    }
    this.metrics.clients.set(this.clients.size);
    session.sendHello({ v: 1, caps: [], results } satisfies ServerHello);
    // A first RTT right away for /status and metrics; keepalive pings refresh it when idle.
    session.ping().catch(() => undefined);
    const refused = results.filter((r) => !r.accepted);
    this.log.info({ client: hello.id, remote, tokenName: token.label, version: typeof hello.version === 'string' ? hello.version.slice(0, 64) : undefined, accepted: results.filter((r) => r.accepted).map((r) => r.upstream), refused: refused.map((r) => `${r.upstream}: ${r.reason}`) }, 'client connected');
    this.emit('client', hello.id);
    return handle;
  }

  private async claim(route: string, handle: ClientHandle, token: TokenEntry): Promise<UpstreamResult> {
    const refuse = (code: UpstreamResult['code'], reason: string): UpstreamResult => {
      this.metrics.refusals.inc({ code });
      return { upstream: route, accepted: false, code, reason };
    };
    const parsed = parseRoute(route);
    if (!parsed) return refuse('INVALID', 'not a route name (tcp:PORT, http:HOST, http:*.SUFFIX or http:*)');
    if (handle.routes.has(route)) return refuse('INVALID', 'declared twice');
    if (parsed.kind === 'tcp') {
      if (!this.o.allowPorts.has(parsed.port)) return refuse('NOT_ALLOWED', `port ${parsed.port} is outside --allow-ports ${this.o.allowPorts.toString()}`);
      if (token.limits.ports && !token.limits.ports.has(parsed.port)) return refuse('NOT_ALLOWED', `port ${parsed.port} is not allowed for this token`);
      if (this.o.httpPort === parsed.port || this.addresses.control.endsWith(`:${parsed.port}`)) return refuse('TAKEN', `port ${parsed.port} is the server's own port`);
    } else {
      if (this.o.httpPort === 0) return refuse('HTTP_DISABLED', 'the server has its HTTP port turned off');
      if (token.limits.hosts && !claimAllowed(token.limits.hosts, parsed.host)) return refuse('NOT_ALLOWED', `host ${parsed.host} is not allowed for this token`);
    }
    const outcome = this.registry.check(route, handle);
    if (outcome.kind === 'taken') return refuse('TAKEN', `already served by client ${outcome.by}`);
    if (parsed.kind === 'tcp' && outcome.kind === 'new') {
      try {
        await this.tcp.listen(parsed.port);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return refuse('BIND_FAILED', `cannot listen on ${hostPort(this.o.dataAddr, parsed.port)}: ${e.code ?? e.message}`);
      }
      // The registry may have changed while binding (another client racing for the port).
      const again = this.registry.check(route, handle);
      if (again.kind === 'taken') return refuse('TAKEN', `already served by client ${again.by}`);
    }
    if (outcome.kind === 'takeover') {
      const prev = this.registry.get(route);
      prev?.routes.delete(route);
    }
    this.registry.set(route, handle);
    handle.routes.add(route);
    return { upstream: route, accepted: true };
  }

  private releaseRoute(route: string, owner: ClientHandle): void {
    owner.routes.delete(route);
    if (!this.registry.release(route, owner)) return;
    const parsed = parseRoute(route);
    if (parsed?.kind === 'tcp') this.tcp.unlisten(parsed.port);
  }

  private drop(handle: ClientHandle, err?: Error): void {
    this.http.retire(handle);
    if (handle.replaced) return;
    for (const r of [...handle.routes]) this.releaseRoute(r, handle);
    if (this.clients.get(handle.clientId) === handle) this.clients.delete(handle.clientId);
    this.metrics.clients.set(this.clients.size);
    this.log.info({ client: handle.clientId, remote: handle.remote, reason: err?.message ?? 'closed' }, 'client disconnected');
    this.emit('client-gone', handle.clientId);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Graceful stop: refuse new clients and visitors, send GOAWAY to every
   * session and wait up to drainTimeout for open streams, then close the rest.
   */
  close(drainTimeout = this.o.drainTimeout): Promise<void> {
    this.closed ??= this.shutdown(drainTimeout);
    return this.closed;
  }

  private async shutdown(drainTimeout: number): Promise<void> {
    this.draining = true;
    this.tcp.closeAll();
    const stopControl = closeServer(this.controlServer);
    const stopHttp = closeServer(this.httpServer);
    // Logged only once the listeners are shut, so whoever reads it can rely on that.
    this.log.info({ clients: this.clients.size, drainTimeoutMs: drainTimeout }, 'draining');
    this.httpServer?.closeIdleConnections();
    this.controlServer?.closeIdleConnections();
    for (const c of this.clients.values()) this.http.retire(c);
    await Promise.all([...this.clients.values()].map((c) => c.session.close(drainTimeout).catch(() => undefined)));
    for (const c of this.clients.values()) c.session.destroy();
    this.tcp.resetVisitors();
    this.httpServer?.closeAllConnections();
    this.controlServer?.closeAllConnections();
    this.unwatchTls?.();
    this.unwatchTokens?.();
    this.wss.close();
    await Promise.all([stopControl, stopHttp]);
    this.listening = false;
    await closeServer(this.adminServer);
    this.log.info('server stopped');
  }
}

/** Short answers for requests Node's parser rejected (oversized or too slow heads); anything else is dropped. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.writable && err.code === 'HPE_HEADER_OVERFLOW') socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
  else if (socket.writable && err.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  // Any other parse error (e.g. Content-Length with Transfer-Encoding: a smuggling attempt) is a 400, then close.
  else if (socket.writable && err.code?.startsWith('HPE_')) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
}

function pathOf(req: http.IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
