/**
 * Tunnel streams that carry HTTP/1.1 to an upstream, kept open between
 * requests (keep-alive) in a pool per client and route. A connection carries
 * one request at a time; its listeners are set once, when the stream opens,
 * and forward to whichever exchange holds it now.
 */
import type { MuxStream } from '../mux/index.js';
import { ResponseParser, type ResponseHead, type ResponseSink } from './http-response.js';

/** The request that holds a connection: it receives the response and hears of failures. */
export interface ConnUser extends ResponseSink {
  /** The stream failed or ended before the response was complete. `err` carries an ADIT_ERR_* code where known. */
  onFail(err: Error): void;
  /** A chunk from the stream has been parsed through: a body piece held back can go out now. */
  onPushed(): void;
}

/** Idle connections kept per client and route: enough for a busy site, bounded because each holds an upstream connection on the client's side. */
export const MAX_IDLE_PER_ROUTE = 128;

const ENDED = Object.assign(new Error('the tunnel stream ended before the response was complete'), { code: 'ECONNRESET' });

export class UpstreamConn implements ResponseSink {
  readonly parser = new ResponseParser();
  user: ConnUser | undefined;
  /** Taken from the pool (it carried an earlier request). */
  reused = false;
  /** Response bytes arrived for the current request. */
  sawBytes = false;
  dead = false;
  idle = false;

  constructor(
    readonly stream: MuxStream,
    readonly pool: ConnPool,
    readonly key: string,
    onClose: () => void,
  ) {
    stream.on('data', (c: Buffer) => this.onData(c));
    stream.on('end', () => this.onEnd());
    stream.on('error', (e: Error) => this.fail(e));
    stream.on('close', () => {
      onClose();
      this.fail(ENDED);
    });
  }

  /** Hands the connection to a request whose head is about to be written. */
  attach(user: ConnUser, head: boolean): void {
    this.user = user;
    this.sawBytes = false;
    this.idle = false;
    this.parser.start(head);
  }

  /** The request is done with the connection: back to the pool when it can carry another, else closed. */
  release(reusable: boolean): void {
    this.user = undefined;
    if (reusable && !this.dead && !this.parser.busy) this.pool.put(this);
    else this.destroy();
  }

  destroy(): void {
    this.user = undefined;
    if (this.dead) return;
    this.dead = true;
    this.pool.remove(this);
    this.stream.destroy();
  }

  onHead(head: ResponseHead): void {
    this.user?.onHead(head);
  }

  onBody(chunk: Buffer): void {
    this.user?.onBody(chunk);
  }

  onDone(): void {
    this.user?.onDone();
  }

  private onData(c: Buffer): void {
    this.sawBytes = true;
    try {
      this.parser.push(c, this);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.user?.onPushed();
  }

  private onEnd(): void {
    // HTTP has no half-close: once the upstream side ended, the connection is done (as net.Socket with allowHalfOpen false).
    this.stream.end();
    // A body without framing ends here; anything else still open was cut short.
    if (this.parser.untilClose) this.parser.end(this);
    this.fail(ENDED);
  }

  private fail(err: Error): void {
    const user = this.user;
    this.destroy();
    user?.onFail(err);
  }
}

/** Idle connections of one client, per route key (route, or route|target for absolute-form requests). */
export class ConnPool {
  private readonly idle = new Map<string, UpstreamConn[]>();
  retired = false;

  take(key: string): UpstreamConn | undefined {
    const list = this.idle.get(key);
    if (!list) return undefined;
    // Most recently used first: it is the least likely to have been closed by the upstream meanwhile.
    for (let c = list.pop(); c; c = list.pop()) {
      if (!c.dead) {
        c.idle = false;
        c.reused = true;
        return c;
      }
    }
    return undefined;
  }

  put(conn: UpstreamConn): void {
    let list = this.idle.get(conn.key);
    if (!list) this.idle.set(conn.key, (list = []));
    if (this.retired || list.length >= MAX_IDLE_PER_ROUTE) {
      conn.destroy();
      return;
    }
    conn.idle = true;
    list.push(conn);
  }

  remove(conn: UpstreamConn): void {
    if (!conn.idle) return;
    conn.idle = false;
    const list = this.idle.get(conn.key);
    const i = list ? list.indexOf(conn) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Closes every idle connection and pools none from now on (the client is going away). */
  retire(): void {
    this.retired = true;
    for (const list of this.idle.values()) for (const c of list.splice(0)) {
      c.idle = false;
      c.destroy();
    }
  }
}
