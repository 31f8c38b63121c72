import http from 'node:http';
import net from 'node:net';
import type { Command } from 'commander';
import { AditClient, parseUpstreams } from '../client/index.js';
import { AditServer, PortSet, TokenSet } from '../server/index.js';
import { listen } from '../server/listen.js';
import { createLogger } from './logger.js';
import { runUntilSignal } from './lifecycle.js';
import { newToken } from './token-command.js';

/** A tiny HTTP service standing in for something in the home cluster. */
function sampleService(): http.Server {
  return http.createServer((req, res) => {
    const body = `hello from the sample service behind the tunnel\nyou asked for ${req.method} ${req.url} with Host: ${req.headers.host}\nforwarded for: ${req.headers['x-forwarded-for'] ?? '(direct)'}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
}

/** Binds port 0 and gives the number back; the demo's TCP tunnel asks the server for it. */
function freePort(): Promise<number> {
  const s = net.createServer();
  return listen(s, '127.0.0.1', 0).then((p) => new Promise((resolve) => s.close(() => resolve(p))));
}

export interface DemoHandle {
  lines: string[];
  stop: () => Promise<void>;
}

/** Starts service, server and client on loopback and returns what to try. */
export async function startDemo(o: { httpPort: number; logLevel: string }): Promise<DemoHandle> {
  const logger = createLogger(o.logLevel, undefined, 'adit-demo');
  const svc = sampleService();
  const svcPort = await listen(svc, '127.0.0.1', 0);
  // The server's port 0 means "HTTP off", so "any free port" is picked here.
  const httpPort = o.httpPort || (await freePort());
  const token = newToken();
  const tokens = new TokenSet();
  tokens.add(token, { label: 'demo' });
  const server = new AditServer({
    controlAddr: '127.0.0.1', controlPort: 0, controlPath: '/tunnel',
    dataAddr: '127.0.0.1', httpPort, allowPorts: PortSet.parse('1024-65535'), tokens,
    adminAddr: '127.0.0.1', adminPort: 0,
    drainTimeout: 2_000, keepaliveInterval: 10_000, keepaliveTimeout: 30_000, logger,
  });
  const addr = await server.start();
  const tcpPort = await freePort();
  const client = new AditClient({
    url: `ws://${addr.control}/tunnel`, token, id: 'demo-client',
    upstreams: parseUpstreams([`demo.localhost=http://127.0.0.1:${svcPort}`, `tcp:${tcpPort}=127.0.0.1:${svcPort}`]),
    strictForwarding: true, insecure: false, dialTimeout: 5_000, keepaliveInterval: 10_000, keepaliveTimeout: 30_000, logger,
  });
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connected', () => resolve());
    setTimeout(() => reject(new Error('the demo client did not connect within 10 s')), 10_000).unref();
  });
  client.start();
  await connected;
  const lines = [
    'adit demo: a sample HTTP service, an adit server and an adit client, all on 127.0.0.1',
    `  sample service   http://127.0.0.1:${svcPort}  (the "home" side, reached only through the tunnel below)`,
    `  server control   ws://${addr.control}/tunnel`,
    `  server HTTP      http://${addr.http}  (routes by Host)`,
    `  server admin     http://${addr.admin}  (/healthz /readyz /metrics /status)`,
    `  token            ${token}  (for /status only; generated for this run)`,
    '',
    'try:',
    `  curl -H 'Host: demo.localhost' http://${addr.http}/hello      # HTTP routed by Host`,
    `  curl http://127.0.0.1:${tcpPort}/raw                          # raw TCP tunnel (port ${tcpPort})`,
    `  curl http://${addr.admin}/metrics | grep adit_server_`,
    `  node ${process.argv[1]} status --url http://${addr.admin} --token ${token}`,
    '',
    'Ctrl-C stops it.',
  ];
  return {
    lines,
    stop: async () => {
      await client.close(1_000);
      await server.close(1_000);
      await new Promise<void>((r) => svc.close(() => r()));
    },
  };
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a server, a client and a sample service on loopback, and print what to curl')
    .option('--http-port <port>', 'HTTP port of the demo server (0 = any free port)', '8000')
    .option('--log-level <level>', 'log level of the demo parts', 'warn')
    .action(async (o: { httpPort: string; logLevel: string }) => {
      let demo: DemoHandle;
      try {
        demo = await startDemo({ httpPort: Number(o.httpPort), logLevel: o.logLevel });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Number(o.httpPort) === 0) throw err;
        // Port 8000 busy on this machine: any free port does for a demo.
        demo = await startDemo({ httpPort: 0, logLevel: o.logLevel });
      }
      process.stdout.write(`${demo.lines.join('\n')}\n`);
      await runUntilSignal(createLogger('warn', undefined, 'adit-demo'), demo.stop);
    });
}
