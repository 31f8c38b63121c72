import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { splice } from '../transport/splice.js';
import type { ClientHandle } from './client-handle.js';
import { Exchange, type ExchangeHost } from './http-exchange.js';
import { forwardHead } from './http-request-head.js';
import { BAD_RESPONSE } from './http-response.js';
import { ConnPool, UpstreamConn } from './http-upstream.js';
import { normalizeHost } from './host-match.js';
import type { ServerMetrics } from './metrics.js';
import { failureReason } from './tcp-plane.js';

/** Route names to try for a Host, most specific first: exact, then *.suffix from longest, then the default. */
export function* routeNames(host: string): Generator<string> {
  yield `http:${host}`;
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) yield `http:*${host.slice(dot)}`;
  yield 'http:*';
}

/** Plain-text answer for a stream that failed before the upstream answered. */
export function upstreamFailure(err: unknown): { status: number; text: string } {
  switch ((err as { code?: string })?.code) {
    case 'ADIT_ERR_CONNECT_TIMEOUT':
      return { status: 504, text: 'upstream did not answer the dial in time' };
    case 'ADIT_ERR_CONNECT_REFUSED':
      return { status: 502, text: 'upstream refused the connection' };
    case 'ADIT_ERR_HOST_UNREACHABLE':
      return { status: 502, text: 'upstream host is unreachable' };
    case 'ADIT_ERR_NOT_ALLOWED':
      return { status: 502, text: 'the tunnel client refused this target (strict forwarding)' };
    case 'ADIT_ERR_NO_ROUTE':
      return { status: 502, text: 'the tunnel client has no such upstream' };
    case BAD_RESPONSE:
      return { status: 502, text: 'upstream sent a malformed response' };
    default:
      return { status: 502, text: 'tunnel to the upstream failed' };
  }
}

interface Target {
  host: string;
  /** Origin-form path. */
  path: string;
  /** host:port when the request named one in absolute form (strict forwarding on the client checks it). */
  target?: string;
}

/** Host and path of a request; absolute-form request targets (proxy style) override Host, as RFC 9112 says. */
function requestTarget(req: http.IncomingMessage): Target | undefined {
  const url = req.url ?? '/';
  if (url.charCodeAt(0) !== 47 /* / */ && /^https?:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return { host: normalizeHost(u.hostname), path: `${u.pathname}${u.search}`, target: `${u.hostname}:${port}` };
  }
  const host = req.headers.host;
  if (!host) return { host: '', path: url };
  return { host: normalizeHost(host), path: url };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) + 1 });
  res.end(`${text}\n`);
}

const IDEMPOTENT_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * HTTP/1.1 by Host over tunnel streams. Node's http server parses what
 * visitors send (and guards it: timeouts, sizes, smuggling); each request is
 * then written by hand on a pooled tunnel stream (keep-alive to the upstream)
 * and the response relayed with just enough parsing to find its end
 * (http-exchange.ts). WebSocket upgrades are passed through as raw bytes on a
 * stream of their own.
 */
export class HttpPlane implements ExchangeHost {
  private readonly pools = new WeakMap<ClientHandle, ConnPool>();
  /** adit_server_http_requests_total children per route and status, made once. */
  private readonly requestCounters = new Map<string, Map<number, { inc(): void }>>();

  constructor(
    private readonly owner: (route: string) => ClientHandle | undefined,
    private readonly metrics: ServerMetrics,
    readonly log: Logger,
    private readonly maxStreams: number,
  ) {}

  /** The most specific route a client serves for a Host; names are made only until one matches. */
  private route(host: string): { route: string; client: ClientHandle } | undefined {
    for (const route of routeNames(host)) {
      const client = this.owner(route);
      if (client) return { route, client };
    }
    return undefined;
  }

  private poolOf(client: ClientHandle): ConnPool {
    let p = this.pools.get(client);
    if (!p) this.pools.set(client, (p = new ConnPool()));
    return p;
  }

  /**
   * Stops pooling for a client that is going away: idle pooled streams are
   * closed now and busy ones as soon as their response is done, so a graceful
   * drain is not held up by keep-alive connections that carry nothing.
   */
  retire(client: ClientHandle): void {
    this.poolOf(client).retire();
  }

  acquire(x: Exchange, fresh: boolean): UpstreamConn | undefined {
    const pool = this.poolOf(x.client);
    if (!fresh) {
      const c = pool.take(x.key);
      if (c) return c;
    }
    if (x.client.session.streamCount >= this.maxStreams) return undefined;
    const peer = `${x.req.socket.remoteAddress}:${x.req.socket.remotePort}`;
    // open() never throws: a refusal arrives as the stream's error, and the exchange answers 502/504.
    const stream = x.client.session.open({ route: x.route, peer, ...(x.target ? { target: x.target } : {}) });
    const { streamsTotal, streamsOpen } = this.metrics.forRoute(x.route);
    streamsTotal.inc();
    streamsOpen.inc();
    return new UpstreamConn(stream, pool, x.key, () => streamsOpen.dec());
  }

  answered(route: string, status: number): void {
    let byCode = this.requestCounters.get(route);
    if (!byCode) this.requestCounters.set(route, (byCode = new Map()));
    let c = byCode.get(status);
    if (!c) byCode.set(status, (c = this.metrics.httpRequests.labels({ upstream: route, code: status })));
    c.inc();
  }

  bytes(route: string, fromVisitor: number, toVisitor: number): void {
    const { bytesIn, bytesOut } = this.metrics.forRoute(route);
    if (fromVisitor) bytesIn.inc(fromVisitor);
    if (toVisitor) bytesOut.inc(toVisitor);
  }

  failed(x: Exchange, res: http.ServerResponse, err: Error | undefined): void {
    if (!err) {
      this.metrics.dialFailures.inc({ upstream: x.route, reason: 'stream_limit' });
      return plain(res, 503, 'too many open streams to this tunnel client');
    }
    this.metrics.dialFailures.inc({ upstream: x.route, reason: failureReason(err) });
    const f = upstreamFailure(err);
    this.answered(x.route, f.status);
    this.log.info({ route: x.route, peer: `${x.req.socket.remoteAddress}:${x.req.socket.remotePort}`, client: x.client.clientId, reason: err.message }, 'upstream request failed');
    plain(res, f.status, f.text);
  }

  unforwardable(x: Exchange, res: http.ServerResponse, err: Error): void {
    this.log.info({ route: x.route, reason: err.message }, 'upstream response not forwardable');
    plain(res, 502, 'upstream sent a response that cannot be forwarded');
  }

  retried(x: Exchange, err: Error): void {
    if (this.log.isLevelEnabled('debug')) this.log.debug({ route: x.route, reason: err.message }, 'pooled tunnel stream failed on reuse; retrying once');
  }

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = requestTarget(req);
    if (!t) return plain(res, 400, 'bad request target');
    const found = this.route(t.host);
    if (!found) {
      this.answered('none', 502);
      return plain(res, 502, `no tunnel serves host "${t.host}"`);
    }
    const { route, client } = found;
    const method = req.method ?? 'GET';
    const head = forwardHead(method, t.path, req.rawHeaders, req.socket.remoteAddress ?? '', false);
    // A pooled stream can die just as it is reused (the upstream closed an idle
    // keep-alive connection); a request without a body is then safe to send again once.
    const retryable = head.body === 'none' && IDEMPOTENT_NO_BODY.has(method);
    const key = t.target ? `${route}|${t.target}` : route;
    new Exchange(this, req, res, route, client, key, t.target, head.text, head.body, retryable).start();
  }

  /** WebSocket (or any Upgrade) on the HTTP port: the request head is replayed on a fresh stream, then bytes flow raw. */
  handleUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const t = requestTarget(req);
    const found = t && this.route(t.host);
    if (!t || !found) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nno tunnel serves this host\n');
      return;
    }
    const { route, client } = found;
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    if (client.session.streamCount >= this.maxStreams) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\ntoo many open streams to this tunnel client\n');
      return;
    }
    // open() never throws: a refusal arrives as the stream's error (onRefused below answers 502/504).
    const stream = client.session.open({ route, peer, ...(t.target ? { target: t.target } : {}) });
    const { streamsTotal, streamsOpen: g } = this.metrics.forRoute(route);
    streamsTotal.inc();
    stream.write(forwardHead(req.method ?? 'GET', t.path, req.rawHeaders, req.socket.remoteAddress ?? '', true).text, 'latin1');
    if (head.length) stream.write(head);
    g.inc();
    const onRefused = (err: Error): void => {
      g.dec();
      this.metrics.dialFailures.inc({ upstream: route, reason: failureReason(err) });
      const f = upstreamFailure(err);
      socket.end(`HTTP/1.1 ${f.status} ${f.status === 504 ? 'Gateway Timeout' : 'Bad Gateway'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${f.text}\n`);
    };
    stream.once('error', onRefused);
    // Join only once the client has dialled the upstream; until then the visitor's bytes wait in its socket.
    stream.once('accept', () => {
      stream.off('error', onRefused);
      void splice(socket, stream).then(() => g.dec());
    });
    socket.once('error', () => {
      if (!stream.destroyed) stream.destroy();
    });
  }
}
