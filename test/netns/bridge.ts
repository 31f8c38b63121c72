import net from 'node:net';
import { rmSync } from 'node:fs';
import { readLine } from './lines.js';

/** A connection opened from inside a namespace failed; `code` is the errno name seen there (ECONNREFUSED, ETIMEDOUT, ENETUNREACH...). */
export class DialError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface DialOptions { timeoutMs?: number }

/** Opens a TCP connection from inside the namespace whose agent listens on `agentPath`. */
export async function dialVia(agentPath: string, host: string, port: number, opts: DialOptions = {}): Promise<net.Socket> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const sock = net.connect({ path: agentPath, allowHalfOpen: true });
  sock.write(JSON.stringify({ op: 'dial', host, port, timeoutMs }) + '\n');
  let line: string;
  try {
    line = await readLine(sock, timeoutMs + 5000);
  } catch (err) {
    sock.destroy();
    throw err;
  }
  const r = JSON.parse(line) as { ok: boolean; code?: string; message?: string };
  if (!r.ok) {
    sock.destroy();
    throw new DialError(r.code ?? 'ERROR', r.message ?? 'dial failed');
  }
  sock.resume();
  return sock;
}

export interface NsListener {
  /** The TCP port bound inside the namespace. */
  port: number;
  close(): Promise<void>;
}

/** What the namespace side saw of a connection it accepted. */
export interface Accepted { remote: string; local: string }

/**
 * Serves a TCP port inside the namespace; each accepted connection reaches
 * `onConnection` in this process as a socket, with the addresses seen inside.
 */
export async function listenVia(
  agentPath: string,
  unixPath: string,
  port: number,
  onConnection: (socket: net.Socket, info: Accepted) => void,
  host = '0.0.0.0',
): Promise<NsListener> {
  rmSync(unixPath, { force: true });
  const open = new Set<net.Socket>();
  const local = net.createServer({ allowHalfOpen: true }, (sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => sock.destroy());
    readLine(sock)
      .then((line) => {
        sock.resume();
        onConnection(sock, JSON.parse(line) as Accepted);
      })
      .catch(() => sock.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    local.once('error', reject);
    local.listen(unixPath, resolve);
  });
  const control = net.connect({ path: agentPath, allowHalfOpen: true });
  control.on('error', () => control.destroy());
  control.write(JSON.stringify({ op: 'listen', host, port, unix: unixPath }) + '\n');
  const r = JSON.parse(await readLine(control)) as { ok: boolean; port?: number; code?: string; message?: string };
  if (!r.ok) {
    control.destroy();
    local.close();
    throw new DialError(r.code ?? 'ERROR', r.message ?? 'listen failed');
  }
  control.resume();
  return {
    port: r.port!,
    close: async () => {
      control.end();
      control.destroy();
      const closed = new Promise<void>((resolve) => local.close(() => resolve()));
      for (const s of open) s.destroy();
      await closed;
    },
  };
}
