import net from 'node:net';
import tls from 'node:tls';
import { AditError, WireCode, errorCodeForWire } from '../protocol/index.js';
import { formatTarget, type Target } from './target.js';

export interface DialOptions {
  timeout: number;
  /** Extra CA certificates (PEM) trusted for https upstreams, besides the usual roots. */
  ca?: Buffer;
  /** How a plain TCP socket reads (net.connect's `onread`), given the socket once it exists. TLS sockets read as usual. */
  onread?: (socket: () => net.Socket) => net.OnReadOpts;
}

/** A target silent this long is probed, so one that vanished without a FIN does not hold its stream for ever. */
const TARGET_KEEPALIVE_MS = 30_000;

/** The wire code that tells the server why a dial failed. */
export function dialFailureCode(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case 'ECONNREFUSED':
      return WireCode.CONNECT_REFUSED;
    case 'ETIMEDOUT':
    case 'ADIT_ERR_CONNECT_TIMEOUT':
      return WireCode.CONNECT_TIMEOUT;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return WireCode.HOST_UNREACHABLE;
    case 'ECONNRESET':
    case 'EPIPE':
      return WireCode.CONNECTION_RESET;
    default:
      return WireCode.CONNECT_REFUSED;
  }
}

/**
 * Connects to a target with a deadline, half-close allowed and TCP keepalive
 * on; for https targets TLS is spoken over it (SNI = the target host).
 */
export function dial(target: Target, o: DialOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onread: net.OnReadOpts | undefined = o.onread && !target.tls ? o.onread(() => raw) : undefined;
    const raw: net.Socket = net.connect({
      host: target.host, port: target.port, allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: TARGET_KEEPALIVE_MS, onread,
    });
    // An onread callback runs whether anyone listens or not: read nothing until the caller resumes the socket.
    if (onread) raw.pause();
    const fail = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      raw.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      const wire = WireCode.CONNECT_TIMEOUT;
      fail(new AditError(errorCodeForWire(wire), `dial ${formatTarget(target)} timed out after ${o.timeout} ms`, wire) as NodeJS.ErrnoException);
    }, o.timeout);
    // on()/off() rather than once(): once() wraps each listener, a cost every dial pays.
    raw.on('error', fail);
    raw.once('connect', () => {
      if (!target.tls) {
        clearTimeout(timer);
        raw.off('error', fail);
        resolve(raw);
        return;
      }
      const servername = net.isIP(target.host) ? undefined : target.host;
      const ca = o.ca ? [...tls.rootCertificates, o.ca.toString('utf8')] : undefined;
      const s = tls.connect({ socket: raw, servername, allowHalfOpen: true, ...(ca ? { ca } : {}) } as tls.ConnectionOptions);
      s.once('error', fail);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        raw.off('error', fail);
        s.off('error', fail);
        resolve(s);
      });
    });
  });
}
