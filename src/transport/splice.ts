import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { AditError, WireCode, errorCodeForWire } from '../protocol/index.js';

/** Reset a tunnel stream with a wire code (the far side sees an error, never a clean end). */
export function resetStream(stream: Duplex, wireCode: number, message: string): void {
  if (stream.destroyed) return;
  stream.destroy(new AditError(errorCodeForWire(wireCode), message, wireCode));
}

/** Reset a TCP socket (RST, not FIN) so its peer cannot mistake a failure for a clean close. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket instanceof TLSSocket) {
    // A TLS socket cannot reset itself (its handle is not TCP): reset the TCP socket under it.
    const raw = (socket as unknown as { _parent?: unknown })._parent;
    if (raw instanceof Socket && raw !== socket) resetSocket(raw);
    socket.destroy();
    return;
  }
  // resetAndDestroy() on a socket that is still connecting, or whose both directions are already
  // shut, leaks its handle in Node 20 (the process never exits); a plain destroy is right there anyway.
  if (socket.readyState === 'open' || socket.readyState === 'readOnly' || socket.readyState === 'writeOnly') socket.resetAndDestroy();
  else socket.destroy();
}

export interface SpliceCounters {
  /** Bytes read from the socket (into the tunnel). */
  fromSocket?: (n: number) => void;
  /** Bytes read from the tunnel stream (out of the socket). */
  fromStream?: (n: number) => void;
}

/**
 * Joins a TCP socket and a tunnel stream in both directions. An end (FIN) is
 * passed on as an end, each direction on its own, so half-close works. A
 * failure on either side resets the other: a socket error resets the stream
 * with CONNECTION_RESET, a stream error resets the socket. Resolves once both are closed.
 *
 * A hand-rolled relay rather than pipe() both ways: pipe() hangs about nine
 * closures and listeners on each pair of streams, a cost every short
 * connection pays. 'end' and 'close' fire once each, so plain on() serves:
 * once() would wrap every listener anew.
 */
export function splice(socket: Socket, stream: Duplex, counters: SpliceCounters = {}): Promise<void> {
  return new Promise((resolve) => {
    let open = 2;
    relay(socket, stream, counters.fromSocket);
    relay(stream, socket, counters.fromStream);
    socket.on('end', () => stream.end());
    stream.on('end', () => {
      // Both directions done and nothing left to write: a close sends the FIN
      // anyway, and skips a shutdown() and its round through libuv. TLS keeps
      // end() so that its close_notify goes out.
      if (socket.readableEnded && socket.writableLength === 0 && !(socket instanceof TLSSocket)) socket.destroy();
      else socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      resetStream(stream, WireCode.CONNECTION_RESET, `peer socket failed: ${err.code ?? err.message}`);
    });
    stream.on('error', () => resetSocket(socket));
    socket.on('close', () => {
      // A socket gone before both FINs were exchanged is a failure, never a clean end.
      if (!stream.destroyed && !(stream.writableEnded && stream.readableEnded)) {
        resetStream(stream, WireCode.CONNECTION_RESET, 'peer socket closed');
      }
      if (--open === 0) resolve();
    });
    stream.on('close', () => {
      if (!socket.destroyed && !(socket.writableEnded && socket.readableEnded)) resetSocket(socket);
      if (--open === 0) resolve();
    });
    socket.resume();
    stream.resume();
  });
}

/** One direction of a splice: a write that returns false pauses `from` until `to` drains. */
function relay(from: Duplex, to: Duplex, count: ((n: number) => void) | undefined): void {
  let waiting = false;
  const resume = (): void => {
    waiting = false;
    from.resume();
  };
  from.on('data', (c: Buffer) => {
    if (count) count(c.length);
    if (!to.write(c) && !waiting) {
      waiting = true;
      from.pause();
      to.once('drain', resume);
    }
  });
}
