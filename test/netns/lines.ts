import type { Socket } from 'node:net';

const MAX_LINE = 64 * 1024;

/**
 * Reads one '\n'-terminated line from a socket and pushes any bytes after it
 * back, so the socket can then be piped as if the line had never been there.
 */
export function readLine(socket: Socket, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('timed out waiting for a control line')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > MAX_LINE) done(new Error('control line too long'));
        return;
      }
      socket.pause();
      const rest = buf.subarray(nl + 1);
      if (rest.length > 0) socket.unshift(rest);
      done(undefined, buf.toString('utf8', 0, nl));
    };
    const onEnd = (): void => done(new Error('connection closed before a control line'));
    const onError = (err: Error): void => done(err);
    function done(err?: Error, line?: string): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(line!);
    }
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

/** Pipes two sockets both ways, keeping half-close, and tears both down on error. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const kill = (other: Socket) => (err: Error) => {
    // A reset on one side becomes a reset on the other where the other is TCP.
    if (typeof other.resetAndDestroy === 'function' && (err as NodeJS.ErrnoException).code === 'ECONNRESET' && other.remoteFamily) other.resetAndDestroy();
    else other.destroy();
  };
  a.on('error', kill(b));
  b.on('error', kill(a));
  a.on('close', () => { if (!b.destroyed && a.errored) b.destroy(); });
  b.on('close', () => { if (!a.destroyed && b.errored) a.destroy(); });
}
