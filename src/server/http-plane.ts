import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { splice } from '../transport/splice.js';
import type { ClientHandle } from './client-handle.js';
import { normalizeHost } from './host-match.js';
import type { ServerMetrics } from './metrics.js';
import { failureReason } from './tcp-plane.js';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Route names to try for a Host, most specific first: exact, then *.suffix from longest, then the default. */
export function routeCandidates(host: string): string[] {
  const out = [`http:${host}`];
  const labels = host.split('.');
  for (let i = 1; i < labels.length; i++) out.push(`http:*.${labels.slice(i).join('.')}`);
  out.push('http:*');
  return out;
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
  if (/^https?:\/\//i.test(url)) {
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

function forwardHeaders(req: http.IncomingMessage, keepUpgrade: boolean): http.OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  for (const t of String(req.headers.connection ?? '').split(',')) drop.add(t.trim().toLowerCase());
  if (keepUpgrade) {
    drop.delete('upgrade');
    drop.delete('connection');
  }
  const h: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!drop.has(k) && v !== undefined) h[k] = v;
  const peer = req.socket.remoteAddress ?? '';
  h['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${peer}` : peer;
  h['x-forwarded-proto'] ??= 'http';
  if (req.headers.host) h['x-forwarded-host'] ??= req.headers.host;
  return h;
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) + 1 });
  res.end(`${text}\n`);
}

/**
 * HTTP/1.1 by Host over tunnel streams. Requests go through a keep-alive
 * http.Agent per client whose connections are tunnel streams, so Node's own
 * HTTP client does the framing and pooling. WebSocket upgrades are passed
 * through as raw bytes on a stream of their own.
 */
export class HttpPlane {
  constructor(
    private readonly owner: (route: string) => ClientHandle | undefined,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
    private readonly maxStreams: number,
  ) {}

  private route(host: string): { route: string; client: ClientHandle } | undefined {
    for (const r of routeCandidates(host)) {
      const client = this.owner(r);
      if (client) return { route: r, client };
    }
    return undefined;
  }

  /** The keep-alive agent of a client: createConnection opens a tunnel stream for the route in options.host. */
  agentFor(client: ClientHandle): http.Agent {
    if (client.agent) return client.agent;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' });
    const open = (options: { host?: string | null; adit?: { route: string; peer: string; target?: string } }): Duplex => {
      const meta = options.adit!;
      const stream = client.session.open({ route: meta.route, peer: meta.peer, ...(meta.target ? { target: meta.target } : {}) });
      const { streamsTotal, streamsOpen: g } = this.metrics.forRoute(meta.route);
      streamsTotal.inc();
      g.inc();
      stream.once('close', () => g.dec());
      // HTTP has no half-close: once the upstream side ended, the connection is done (as net.Socket with allowHalfOpen false).
      stream.once('end', () => stream.end());
      return stream as unknown as Duplex;
    };
    (agent as unknown as { createConnection: typeof open }).createConnection = open;
    client.agent = agent;
    return agent;
  }

  /**
   * Stops pooling for a client that is going away: idle pooled streams are
   * closed now and busy ones as soon as their response is done, so a graceful
   * drain is not held up by keep-alive connections that carry nothing.
   */
  retire(client: ClientHandle): void {
    const agent = client.agent;
    if (!agent || (agent as { adit_retired?: boolean }).adit_retired) return;
    (agent as { adit_retired?: boolean }).adit_retired = true;
    for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
    agent.on('free', (socket: Socket) => socket.destroy());
  }

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = requestTarget(req);
    if (!t) return plain(res, 400, 'bad request target');
    const found = this.route(t.host);
    if (!found) {
      this.metrics.httpRequests.inc({ upstream: 'none', code: 502 });
      return plain(res, 502, `no tunnel serves host "${t.host}"`);
    }
    const { route, client } = found;
    if (client.session.streamCount >= this.maxStreams) {
      this.metrics.dialFailures.inc({ upstream: route, reason: 'stream_limit' });
      return plain(res, 503, 'too many open streams to this tunnel client');
    }
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const { bytesIn, bytesOut } = this.metrics.forRoute(route);
    // A pooled stream can die just as it is reused (the upstream closed an idle
    // keep-alive connection); a request without a body is then safe to send again once.
    const retryable = ['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? '') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
    const attempt = (retry: boolean): void => {
      const proxied = http.request({
        agent: this.agentFor(client),
        // The pool key: one pool per route (and per absolute-form target).
        host: encodeURIComponent(t.target ? `${route}|${t.target}` : route),
        port: 80,
        method: req.method,
        path: t.path,
        headers: forwardHeaders(req, false),
        setHost: false,
        adit: { route, peer, target: t.target },
      } as http.RequestOptions);
      let answered = false;
      proxied.on('response', (up) => {
        answered = true;
        this.metrics.httpRequests.inc({ upstream: route, code: up.statusCode ?? 0 });
        const headers: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.includes(k) && v !== undefined) headers[k] = v;
        try {
          res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
        } catch (err) {
          // An upstream header Node will not write back out: answer 502 rather than crash.
          up.destroy();
          proxied.destroy();
          this.log.info({ route, reason: (err as Error).message }, 'upstream response not forwardable');
          return plain(res, 502, 'upstream sent a response that cannot be forwarded');
        }
        up.on('data', (c: Buffer) => bytesOut.inc(c.length));
        up.pipe(res);
        up.on('error', () => res.destroy());
      });
      proxied.on('error', (err) => {
        if (answered) {
          if (!res.writableEnded) res.destroy();
          return;
        }
        if (retry && proxied.reusedSocket && !res.destroyed) {
          this.log.debug({ route, reason: err.message }, 'pooled tunnel stream failed on reuse; retrying once');
          return attempt(false);
        }
        this.metrics.dialFailures.inc({ upstream: route, reason: failureReason(err) });
        const f = upstreamFailure(err);
        this.metrics.httpRequests.inc({ upstream: route, code: f.status });
        this.log.info({ route, peer, client: client.clientId, reason: err.message }, 'upstream request failed');
        plain(res, f.status, f.text);
      });
      res.once('close', () => {
        if (!res.writableFinished) proxied.destroy();
      });
      if (retryable) proxied.end();
      else req.pipe(proxied);
    };
    req.on('data', (c: Buffer) => bytesIn.inc(c.length));
    if (retryable) req.resume();
    attempt(retryable);
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
    const headers = forwardHeaders(req, true);
    let text = `${req.method} ${t.path} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      for (const one of Array.isArray(v) ? v : [v]) text += `${k}: ${String(one)}\r\n`;
    }
    stream.write(`${text}\r\n`);
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
