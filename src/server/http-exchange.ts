/**
 * One visitor request relayed over a pooled tunnel stream: the head is
 * written by hand, the response is parsed just enough to know where it ends
 * (http-response.ts) and answered through the visitor's ServerResponse.
 * One object per request, no closures per chunk.
 */
import type http from 'node:http';
import type { ClientHandle } from './client-handle.js';
import type { BodyFraming } from './http-request-head.js';
import { HOP_BY_HOP } from './http-request-head.js';
import type { ResponseHead } from './http-response.js';
import type { ConnUser, UpstreamConn } from './http-upstream.js';

/** What an exchange needs from the HTTP plane. */
export interface ExchangeHost {
  /** A connection for the exchange's route: a pooled one unless `fresh`; undefined when the client has no stream to spare. */
  acquire(x: Exchange, fresh: boolean): UpstreamConn | undefined;
  /** Counts a request by route and status (adit_server_http_requests_total). */
  answered(route: string, status: number): void;
  bytes(route: string, fromVisitor: number, toVisitor: number): void;
  /** Answers a request whose upstream could not be reached or failed before answering; `err` undefined = stream limit. */
  failed(x: Exchange, res: http.ServerResponse, err: Error | undefined): void;
  /** An upstream head that Node will not write back out. */
  unforwardable(x: Exchange, res: http.ServerResponse, err: Error): void;
  retried(x: Exchange, err: Error): void;
}

/** Byte counts go to the metrics once per exchange, or every this many bytes of a long one (a stream of events, a download). */
const FLUSH_BYTES = 256 * 1024;

/** Lengths of the hop-by-hop header names: only names of these lengths need a lower-cased look. */
const HOP_LENGTH = new Uint8Array(32);
for (const h of HOP_BY_HOP) HOP_LENGTH[h.length] = 1;

function maybeHop(name: string): boolean {
  return name.length < 32 && HOP_LENGTH[name.length] === 1 && HOP_BY_HOP.has(name.toLowerCase());
}

/** Response headers to pass on: drops hop-by-hop ones and those the upstream named in Connection. */
export function responseHeaders(raw: string[]): string[] {
  let listed: string[] | undefined;
  let hop = false;
  for (let i = 0; i < raw.length; i += 2) {
    if (!maybeHop(raw[i])) continue;
    hop = true;
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const t of raw[i + 1].split(',')) {
      const tok = t.trim().toLowerCase();
      if (tok && !HOP_BY_HOP.has(tok)) (listed ??= []).push(tok);
    }
  }
  if (!hop) return raw;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (maybeHop(name) || (listed && listed.includes(name.toLowerCase()))) continue;
    out.push(name, raw[i + 1]);
  }
  return out;
}

export class Exchange implements ConnUser {
  private conn: UpstreamConn | undefined;
  private headSent = false;
  /** The response is complete, or abandoned: nothing more goes to the visitor. */
  private finished = false;
  private keepAlive = false;
  /** The request body has been written upstream in full. */
  private bodyDone: boolean;
  /** The last body piece, held back so that a response ending in the same chunk goes out with end(). */
  private held: Buffer | undefined;
  private paused = false;
  private reqPaused = false;
  private inBytes = 0;
  private outBytes = 0;

  constructor(
    private readonly host: ExchangeHost,
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    readonly route: string,
    readonly client: ClientHandle,
    /** Pool key: the route, or route|target for absolute-form requests. */
    readonly key: string,
    /** host:port of an absolute-form request target (strict forwarding on the client checks it). */
    readonly target: string | undefined,
    private readonly head: string,
    private readonly framing: BodyFraming,
    /** May be sent again on a fresh stream if a pooled one died under it (idempotent, no body). */
    private readonly retryable: boolean,
  ) {
    this.bodyDone = framing === 'none';
  }

  start(): void {
    this.res.once('close', this.onResClose);
    if (!this.send(false)) return;
    if (this.framing !== 'none') {
      this.req.on('data', (c: Buffer) => this.reqData(c));
      this.req.once('end', () => this.reqEnd());
    }
  }

  private send(fresh: boolean): boolean {
    const conn = this.host.acquire(this, fresh);
    if (!conn) {
      this.finished = true;
      this.host.failed(this, this.res, undefined);
      return false;
    }
    this.conn = conn;
    conn.attach(this, this.req.method === 'HEAD');
    conn.stream.write(this.head, 'latin1');
    return true;
  }

  private reqData(c: Buffer): void {
    const s = this.conn?.stream;
    // (An empty piece would read as the last chunk.)
    if (!s || this.finished || c.length === 0) return;
    this.inBytes += c.length;
    if (this.inBytes >= FLUSH_BYTES) this.flushBytes();
    let ok: boolean;
    if (this.framing === 'chunked') {
      s.write(`${c.length.toString(16)}\r\n`, 'latin1');
      s.write(c);
      ok = s.write('\r\n', 'latin1');
    } else {
      ok = s.write(c);
    }
    if (!ok && !this.reqPaused) {
      this.reqPaused = true;
      this.req.pause();
      s.once('drain', () => this.resumeReq());
    }
  }

  private resumeReq(): void {
    if (!this.reqPaused) return;
    this.reqPaused = false;
    this.req.resume();
  }

  private reqEnd(): void {
    if (this.framing === 'chunked' && this.conn && !this.finished) this.conn.stream.write('0\r\n\r\n', 'latin1');
    this.bodyDone = true;
    if (this.finished) this.flushBytes();
  }

  private readonly onResClose = (): void => {
    if (this.finished) return;
    // The visitor went away mid-exchange: the stream is in an unknown state, so it is not reused.
    this.finished = true;
    this.flushBytes();
    const c = this.conn;
    this.conn = undefined;
    c?.destroy();
    this.resumeReq();
  };

  /** Made only for a response that had to wait for the visitor. */
  private onResDrain: (() => void) | undefined;

  onHead(h: ResponseHead): void {
    if (this.finished) return;
    this.keepAlive = h.keepAlive;
    this.host.answered(this.route, h.status);
    try {
      const headers = responseHeaders(h.headers);
      if (h.reason) this.res.writeHead(h.status, h.reason, headers);
      else this.res.writeHead(h.status, headers);
    } catch (err) {
      // An upstream header Node will not write back out: answer 502 rather than crash.
      this.finished = true;
      const c = this.conn;
      this.conn = undefined;
      c?.destroy();
      this.host.unforwardable(this, this.res, err as Error);
      return;
    }
    this.headSent = true;
  }

  onBody(chunk: Buffer): void {
    if (this.finished) return;
    this.outBytes += chunk.length;
    if (this.outBytes >= FLUSH_BYTES) this.flushBytes();
    if (this.held) this.write(this.held);
    this.held = chunk;
  }

  onPushed(): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    this.write(h);
  }

  private write(chunk: Buffer): void {
    if (!this.res.write(chunk) && !this.paused && this.conn) {
      this.paused = true;
      this.conn.stream.pause();
      this.onResDrain ??= () => {
        this.paused = false;
        this.conn?.stream.resume();
      };
      this.res.once('drain', this.onResDrain);
    }
  }

  onDone(): void {
    if (this.finished) return;
    this.finished = true;
    const h = this.held;
    this.held = undefined;
    this.flushBytes();
    if (h) this.res.end(h);
    else this.res.end();
    const c = this.conn!;
    this.conn = undefined;
    if (this.paused) {
      this.paused = false;
      this.res.off('drain', this.onResDrain!);
      c.stream.resume();
    }
    c.release(this.keepAlive && this.bodyDone);
    // A body still coming is not sent anywhere now; let Node read it off the visitor's connection.
    this.resumeReq();
  }

  onFail(err: Error): void {
    const c = this.conn;
    this.conn = undefined;
    this.resumeReq();
    if (this.finished) return;
    if (!this.headSent) {
      if (this.retryable && c?.reused && !c.sawBytes && !this.res.destroyed) {
        this.host.retried(this, err);
        this.send(true);
        return;
      }
      this.finished = true;
      this.flushBytes();
      this.host.failed(this, this.res, err);
      return;
    }
    this.finished = true;
    this.held = undefined;
    this.flushBytes();
    if (!this.res.writableEnded) this.res.destroy();
  }

  private flushBytes(): void {
    if (this.inBytes || this.outBytes) this.host.bytes(this.route, this.inBytes, this.outBytes);
    this.inBytes = 0;
    this.outBytes = 0;
  }
}
