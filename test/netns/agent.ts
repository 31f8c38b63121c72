/**
 * A bridge that runs inside a network namespace (started by topology.ts with
 * `ip netns exec`). It lets the test process, which stays in the root
 * namespace, open TCP connections from inside the namespace and serve TCP
 * ports there, through a unix socket (unix sockets are not namespaced).
 *
 * Each connection to the control socket starts with one JSON line:
 *   {"op":"dial","host":h,"port":p,"timeoutMs":t}  -> {"ok":true,"local":"ip:port"} then raw bytes
 *   {"op":"listen","host":h,"port":p,"unix":path}  -> {"ok":true,"port":n}; each TCP connection accepted
 *        in the namespace is connected to `path`, announced by {"remote":"ip:port","local":"ip:port"},
 *        then raw bytes. The listener lives as long as the control connection.
 */
import net from 'node:net';
import { readLine, splice } from './lines.js';

interface DialCmd { op: 'dial'; host: string; port: number; timeoutMs?: number }
interface ListenCmd { op: 'listen'; host?: string; port: number; unix: string }

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: agent.js <unix socket path>\n');
  process.exit(2);
}

const control = net.createServer({ allowHalfOpen: true }, (conn) => {
  conn.on('error', () => conn.destroy());
  readLine(conn)
    .then((line) => {
      const cmd = JSON.parse(line) as DialCmd | ListenCmd;
      if (cmd.op === 'dial') dial(conn, cmd);
      else if (cmd.op === 'listen') listen(conn, cmd);
      else reply(conn, { ok: false, code: 'BAD_OP' }, true);
    })
    .catch(() => conn.destroy());
});

function reply(conn: net.Socket, body: object, end = false): void {
  const line = JSON.stringify(body) + '\n';
  if (end) conn.end(line);
  else conn.write(line);
}

function dial(conn: net.Socket, cmd: DialCmd): void {
  const tcp = net.connect({ host: cmd.host, port: cmd.port, allowHalfOpen: true });
  const timer = setTimeout(() => {
    tcp.destroy();
    reply(conn, { ok: false, code: 'ETIMEDOUT', message: `no answer from ${cmd.host}:${cmd.port} in ${cmd.timeoutMs} ms` }, true);
  }, cmd.timeoutMs ?? 5000);
  tcp.once('connect', () => {
    clearTimeout(timer);
    tcp.removeAllListeners('error');
    reply(conn, { ok: true, local: `${tcp.localAddress}:${tcp.localPort}` });
    conn.resume();
    splice(conn, tcp);
  });
  tcp.once('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    reply(conn, { ok: false, code: err.code ?? 'ERROR', message: err.message }, true);
  });
}

function listen(conn: net.Socket, cmd: ListenCmd): void {
  const server = net.createServer({ allowHalfOpen: true }, (tcp) => {
    const up = net.connect({ path: cmd.unix, allowHalfOpen: true });
    up.once('connect', () => {
      up.write(JSON.stringify({ remote: `${tcp.remoteAddress}:${tcp.remotePort}`, local: `${tcp.localAddress}:${tcp.localPort}` }) + '\n');
      splice(tcp, up);
    });
    up.once('error', () => tcp.resetAndDestroy());
  });
  server.once('error', (err: NodeJS.ErrnoException) => reply(conn, { ok: false, code: err.code ?? 'ERROR', message: err.message }, true));
  server.listen({ host: cmd.host ?? '0.0.0.0', port: cmd.port }, () => {
    reply(conn, { ok: true, port: (server.address() as net.AddressInfo).port });
  });
  conn.resume();
  conn.on('close', () => server.close());
  conn.on('end', () => conn.end());
}

control.listen(path, () => process.stdout.write('ready\n'));
// The agent dies with its parent's pipe: when the test process goes, so does it.
process.stdin.on('end', () => process.exit(0)).resume();
