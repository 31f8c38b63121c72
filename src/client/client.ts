import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { Session, type MuxStream } from '../mux/index.js';
import { WS_SUBPROTOCOL, WireCode, wireCodeName, type Hello } from '../protocol/index.js';
import type { ServerHello, UpstreamResult } from '../protocol/hello.js';
import { WS_MAX_PAYLOAD, wsTransport, type WsTransport } from '../transport/ws.js';
import { Backoff, abortableDelay } from './backoff.js';
import { dial, dialFailureCode } from './dialer.js';
import { ClientMetrics } from './metrics.js';
import { ReadStage } from './read-stage.js';
import { proxyFor, serverUrl } from './server-url.js';
import { splice } from '../transport/splice.js';
import { formatTarget, parseHostPort, targetKey, type Target } from './target.js';
import { routeName, type Upstream } from './upstream.js';

export interface ClientOptions {
  url: string;
  token: string;
  id: string;
  upstreams: Upstream[];
  strictForwarding: boolean;
  insecure: boolean;
  /** Extra CA certificates (PEM) to trust for wss, and besides the usual roots for https upstreams. */
  ca?: Buffer;
  tlsServerName?: string;
  dialTimeout: number;
  keepaliveInterval: number;
  keepaliveTimeout: number;
  /** Streams the server may have open to this client at once; more are refused (STREAM_LIMIT). */
  maxStreams?: number;
  /** Receive buffers the session may hold in all (bytes). */
  sessionMemory?: number;
  /** WebSocket handshake deadline and HELLO answer deadline (ms). */
  connectTimeout?: number;
  backoffMin?: number;
  backoffMax?: number;
  random?: () => number;
  /** Waits between attempts; tests inject one that does not sleep. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  version?: string;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'closed';

/** Failure to establish a session, with a reason the logs and metrics can name. */
class ConnectError extends Error {
  constructor(readonly reason: string, message: string, readonly fatal = false) {
    super(message);
  }
}

/**
 * adit client: keeps one session to the server, reconnecting forever with
 * capped exponential backoff and jitter, and serves the server's streams by
 * dialling the declared targets.
 * Events: 'connected' (results), 'disconnected' (reason), 'attempt' (n, delayMs).
 */
export class AditClient extends EventEmitter {
  readonly metrics: ClientMetrics;
  private readonly url: URL;
  private readonly routes = new Map<string, Upstream>();
  private readonly declared = new Set<string>();
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private session?: Session;
  /** Every session still open: the current one and any draining after a server GOAWAY. */
  private readonly sessions = new Set<Session>();
  private loop?: Promise<void>;
  state: ClientState = 'idle';
  private lastFailure: string | undefined;
  results: UpstreamResult[] = [];

  constructor(private readonly o: ClientOptions) {
    super();
    this.url = serverUrl(o.url, o.insecure);
    for (const u of o.upstreams) {
      this.routes.set(routeName(u), u);
      this.declared.add(targetKey(u.target.host, u.target.port));
    }
    this.backoff = new Backoff({ min: o.backoffMin ?? 250, max: o.backoffMax ?? 1500, random: o.random });
    this.metrics = new ClientMetrics(() => this.session?.rtt);
  }

  get log(): Logger {
    return this.o.logger;
  }

  /** Connected, and the server accepted every upstream. */
  get ready(): boolean {
    return this.state === 'connected' && this.results.length === this.routes.size && this.results.every((r) => r.accepted);
  }

  /** A line saying why the client is not ready (for /readyz). */
  notReadyReason(): string {
    if (this.state !== 'connected') return this.lastFailure ? `not connected (${this.lastFailure})` : 'not connected yet';
    const refused = this.results.filter((r) => !r.accepted);
    if (refused.length) return `server refused ${refused.map((r) => `${r.upstream} (${r.code}: ${r.reason ?? ''})`).join(', ')}`;
    return 'waiting for the server to answer every upstream';
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      let reason: string;
      try {
        reason = await this.connectOnce();
      } catch (err) {
        const e = err as ConnectError;
        reason = e.message;
        this.metrics.connectFailures.inc({ reason: e.reason ?? 'error' });
        this.lastFailure = e.message;
        this.log.warn({ url: this.url.origin + this.url.pathname, reason: e.message }, 'cannot connect to the server');
      }
      this.state = this.abort.signal.aborted ? 'closed' : 'connecting';
      if (this.abort.signal.aborted) break;
      const wait = this.backoff.next();
      this.log.info({ delayMs: wait, attempt: this.backoff.attempts, reason }, 'reconnecting');
      this.emit('attempt', this.backoff.attempts, wait);
      await (this.o.delay ?? abortableDelay)(wait, this.abort.signal);
    }
    this.state = 'closed';
  }

  /** Resolves with the transport, made as ws opens: adit takes the socket over before a byte can reach ws's reader. */
  private openTransport(): Promise<WsTransport> {
    const timeout = this.o.connectTimeout ?? 15_000;
    const proxy = proxyFor(this.url, this.o.env ?? process.env);
    const ws = new WebSocket(this.url, [WS_SUBPROTOCOL], {
      headers: { authorization: `Bearer ${this.o.token}` },
      perMessageDeflate: false,
      handshakeTimeout: timeout,
      maxPayload: WS_MAX_PAYLOAD,
      ...(proxy ? { agent: new HttpsProxyAgent(proxy) } : {}),
      ...(this.o.ca ? { ca: this.o.ca } : {}),
      ...(this.o.tlsServerName ? { servername: this.o.tlsServerName } : {}),
    });
    return new Promise((resolve, reject) => {
      const onAbort = (): void => ws.terminate();
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        const why = status === 401 ? 'the server did not accept the token (401)' : `the server answered HTTP ${status} ${res.statusMessage ?? ''}`.trim();
        reject(new ConnectError(status === 401 ? 'unauthorized' : `http_${status}`, why));
      });
      ws.once('error', (err: NodeJS.ErrnoException) => {
        this.abort.signal.removeEventListener('abort', onAbort);
        reject(new ConnectError(err.code?.toLowerCase() ?? 'error', err.code ? `${err.code} ${err.message}` : err.message));
      });
      ws.once('open', () => {
        this.abort.signal.removeEventListener('abort', onAbort);
        ws.removeAllListeners('error');
        resolve(wsTransport(ws));
      });
    });
  }

  /** One session: connect, HELLO, serve until it ends. Resolves with why it ended. */
  private async connectOnce(): Promise<string> {
    this.state = 'connecting';
    const transport = await this.openTransport();
    const session = new Session(transport, {
      role: 'initiator',
      keepaliveInterval: this.o.keepaliveInterval,
      keepaliveTimeout: this.o.keepaliveTimeout,
      ...(this.o.maxStreams ? { maxStreams: this.o.maxStreams } : {}),
      ...(this.o.sessionMemory ? { memoryBudget: this.o.sessionMemory } : {}),
    });
    this.session = session;
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    // A graceful GOAWAY means the server is draining: connect again at once (another replica, or
    // this one once restarted) while the streams still open on this session finish.
    const ended = new Promise<string>((resolve) => {
      session.once('close', (err?: Error) => resolve(err?.message ?? 'session closed'));
      session.on('goaway', ({ code }: { code: number }) => {
        if (code === WireCode.NO_ERROR) resolve('the server is draining (GOAWAY)');
      });
    });
    // The session writes its frames straight to the transport: once that holds nothing, the kernel has them all.
    const stage = new ReadStage(() => transport.bufferedBytes === 0, transport.premask);
    session.on('stream', (s: MuxStream) => this.serve(s, stage));
    session.on('goaway', ({ code, reason }: { code: number; reason: string }) => {
      if (code === WireCode.REPLACED) {
        // Two clients sharing one id would take the routes from each other forever.
        this.log.warn({ id: this.o.id, reason }, 'a newer session with this client id replaced this one; if this repeats, two clients share the id');
      } else {
        this.log.info({ code: wireCodeName(code), reason }, 'server is going away');
      }
    });
    session.sendHello({ v: 1, caps: [], id: this.o.id, upstreams: [...this.routes.keys()], ...(this.o.version ? { version: this.o.version } : {}) });
    const hello = await Promise.race([
      new Promise<Hello>((resolve) => session.once('hello', resolve)),
      ended.then((r) => Promise.reject(new ConnectError('closed', `session ended before the server's HELLO: ${r}`))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new ConnectError('hello_timeout', 'no HELLO from the server in time')), this.o.connectTimeout ?? 15_000).unref()),
    ]).catch((err: Error) => {
      session.destroy();
      throw err;
    });
    const sh = hello as ServerHello;
    if (sh.error) {
      session.destroy();
      throw new ConnectError('hello_rejected', `the server rejected the HELLO: ${sh.error}`);
    }
    this.results = Array.isArray(sh.results) ? sh.results : [];
    this.backoff.reset();
    this.state = 'connected';
    session.ping().catch(() => undefined);
    this.metrics.connects.inc();
    this.metrics.connected.set(1);
    const refused = this.results.filter((r) => !r.accepted);
    this.metrics.refused.set(refused.length);
    for (const r of refused) {
      this.log.error({ upstream: r.upstream, code: r.code, reason: r.reason }, `server refused upstream ${r.upstream}: ${r.reason ?? r.code}`);
    }
    this.log.info({ url: this.url.origin + this.url.pathname, id: this.o.id, accepted: this.results.filter((r) => r.accepted).map((r) => r.upstream), refused: refused.length }, 'connected');
    this.emit('connected', this.results);
    const reason = await ended;
    this.session = undefined;
    this.metrics.connected.set(0);
    if (this.state === 'connected') this.state = 'connecting';
    if (this.abort.signal.aborted) this.log.info({ reason }, 'session ended');
    else if (!session.isClosed) this.log.info({ reason, openStreams: session.streamCount }, 'session draining; connecting again while its streams finish');
    else this.log.warn({ reason }, 'session ended');
    this.emit('disconnected', reason);
    return reason;
  }

  /** Checks a stream's route (and requested target, under strict forwarding), dials, then joins the two. */
  private serve(s: MuxStream, stage: ReadStage): void {
    const route = s.meta.route;
    const up = this.routes.get(route);
    if (!up) {
      // The label is fixed: route names here come from the server and must not grow the metric without bound.
      this.metrics.dialFailures.inc({ upstream: 'undeclared', reason: 'no_route' });
      this.log.warn({ route }, 'stream for an upstream this client did not declare');
      s.refuse(WireCode.NO_ROUTE, `no upstream ${route} on this client`);
      return;
    }
    let target: Target = up.target;
    if (typeof s.meta.target === 'string') {
      const hp = parseHostPort(s.meta.target);
      if (!hp) {
        s.refuse(WireCode.NOT_ALLOWED, 'requested target is not host:port');
        return;
      }
      const key = targetKey(hp.host, hp.port);
      if (this.o.strictForwarding && !this.declared.has(key)) {
        this.metrics.dialFailures.inc({ upstream: route, reason: 'strict_forwarding' });
        this.log.warn({ route, target: key, peer: s.meta.peer }, 'strict forwarding refused a dial to an undeclared target');
        s.refuse(WireCode.NOT_ALLOWED, `strict forwarding: ${key} is not a declared target`);
        return;
      }
      target = { host: hp.host, port: hp.port, tls: up.target.tls };
    }
    const m = this.metrics.forRoute(route);
    m.streamsTotal.inc();
    dial(target, { timeout: this.o.dialTimeout, ca: this.o.ca, onread: (socket) => stage.readsFor(s, socket) }).then(
      (socket: Socket) => {
        if (s.destroyed) {
          socket.destroy();
          return;
        }
        s.accept();
        m.streamsOpen.inc();
        void splice(socket, s, { fromStream: (n) => m.bytesIn.inc(n), fromSocket: (n) => m.bytesOut.inc(n) }).then(() => m.streamsOpen.dec());
      },
      (err: NodeJS.ErrnoException) => {
        const code = dialFailureCode(err);
        this.metrics.dialFailures.inc({ upstream: route, reason: wireCodeName(code).toLowerCase() });
        this.log.info({ route, target: formatTarget(target), peer: s.meta.peer, reason: err.code ?? err.message }, 'dial failed');
        if (!s.destroyed) s.refuse(code, `dial ${formatTarget(target)}: ${err.code ?? err.message}`);
      },
    );
  }

  /** Graceful stop: close the session (GOAWAY, let streams finish up to drainTimeout) and stop reconnecting. */
  async close(drainTimeout = 5_000): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.sessions].map((s) => s.close(drainTimeout).catch(() => undefined)));
    await this.loop;
    this.state = 'closed';
  }
}
