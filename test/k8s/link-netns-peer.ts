/**
 * Helper process of link-netns.test.ts, run inside a network namespace with
 * `ip netns exec`. Modes (first argument, then one JSON argument):
 *
 * - home:    the stand-in Linkerd gateway (mutual TLS on 4143, checks the
 *            client certificate against the test trust anchor and the SNI
 *            against the gateway identity; HTTPS /ready on 4191, also mutual
 *            TLS) and a stand-in API server (HTTPS on 443 with a certificate
 *            for kubernetes.default.svc only, bearer token checked, /version).
 *            Prints one JSON line when listening, then logs each check.
 * - gateway: a cloud-side TLS client of the gateway; prints the result.
 * - probe:   a cloud-side HTTPS GET /ready with mutual TLS; prints the result.
 * - dial:    a plain TCP dial with a deadline; prints whether it connected.
 * - wait:    polls an http:// URL until it answers 200 (exit 1 at the deadline).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

interface HomeArgs {
  addr: string;
  trustCa: string;
  gatewayCert: string;
  gatewayKey: string;
  gatewayIdentity: string;
  apiCert: string;
  apiKey: string;
  token: string;
  version: Record<string, string>;
}

interface ClientArgs {
  host: string;
  port: number;
  servername: string;
  ca: string;
  cert?: string;
  key?: string;
  timeoutMs: number;
}

const print = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const read = (f: string): Buffer => readFileSync(f);

function home(a: HomeArgs): void {
  const mtls = {
    key: read(a.gatewayKey),
    cert: read(a.gatewayCert),
    ca: read(a.trustCa),
    requestCert: true,
    rejectUnauthorized: true,
    // The gateway only answers for its own identity, as Linkerd's does.
    SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
      if (name !== a.gatewayIdentity) {
        print({ event: 'sni-rejected', name });
        cb(new Error(`unexpected SNI ${name}`));
        return;
      }
      cb(null, tls.createSecureContext({ key: read(a.gatewayKey), cert: read(a.gatewayCert), ca: read(a.trustCa) }));
    },
  };
  const gateway = tls.createServer(mtls, (socket) => {
    const peer = socket.getPeerCertificate();
    const sni = (socket as tls.TLSSocket & { servername?: string | false }).servername;
    if (sni !== a.gatewayIdentity) {
      // No SNI at all skips SNICallback: refuse here too.
      print({ event: 'sni-rejected', name: sni });
      socket.destroy();
      return;
    }
    // Linkerd identities live in the subjectAltName, as here.
    const identity = peer.subjectaltname?.replace(/^DNS:/, '');
    print({ event: 'gateway-accepted', peer: identity, sni });
    socket.end(`gateway: hello ${identity} sni=${sni}\n`);
  });
  gateway.on('tlsClientError', (err) => print({ event: 'gateway-tls-error', error: err.message }));

  const probe = https.createServer(mtls, (req, res) => {
    const ok = req.url === '/ready';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not found\n');
  });
  probe.on('tlsClientError', (err) => print({ event: 'probe-tls-error', error: err.message }));

  const api = https.createServer({ key: read(a.apiKey), cert: read(a.apiCert) }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${a.token}`) {
      print({ event: 'api-unauthorized' });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":401}');
      return;
    }
    // kubectl adds ?timeout=… from --request-timeout.
    const path = new URL(req.url ?? '/', 'https://api').pathname;
    print({ event: 'api-request', path, sni: (req.socket as tls.TLSSocket & { servername?: string }).servername });
    if (path === '/version') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(a.version));
    else res.writeHead(404).end();
  });

  let pending = 3;
  const up = (): void => {
    if (--pending === 0) print({ event: 'listening' });
  };
  gateway.listen(4143, a.addr, up);
  probe.listen(4191, a.addr, up);
  api.listen(443, a.addr, up);
}

function clientTls(a: ClientArgs): tls.ConnectionOptions {
  return {
    host: a.host,
    port: a.port,
    servername: a.servername,
    ca: read(a.ca),
    ...(a.cert && a.key ? { cert: read(a.cert), key: read(a.key) } : {}),
  };
}

function gatewayClient(a: ClientArgs): void {
  const socket = tls.connect(clientTls(a));
  let data = '';
  const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), a.timeoutMs);
  const finish = (r: object): void => {
    clearTimeout(timer);
    print(r);
    socket.destroy();
  };
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (data += d));
  socket.on('end', () => finish({ ok: data !== '', authorized: socket.authorized, greeting: data.trim() }));
  socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }));
}

function probeClient(a: ClientArgs): void {
  const req = https.get({ ...clientTls(a), path: '/ready', agent: false, timeout: a.timeoutMs }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d: string) => (body += d));
    res.on('end', () => print({ ok: true, status: res.statusCode, body: body.trim() }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err: NodeJS.ErrnoException) => print({ ok: false, error: err.code ?? err.message }));
}

function dial(a: { host: string; port: number; timeoutMs: number }): void {
  const s = net.connect(a.port, a.host);
  const timer = setTimeout(() => {
    print({ connected: false, error: 'timeout' });
    s.destroy();
  }, a.timeoutMs);
  s.on('connect', () => {
    clearTimeout(timer);
    print({ connected: true });
    s.destroy();
  });
  s.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    print({ connected: false, error: err.code });
  });
}

function wait(a: { url: string; timeoutMs: number }): void {
  const deadline = Date.now() + a.timeoutMs;
  const attempt = (): void => {
    const req = http.get(a.url, { timeout: 1000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) {
        print({ ready: true });
        return;
      }
      retry();
    });
    req.on('error', retry);
    req.on('timeout', () => req.destroy());
  };
  const retry = (): void => {
    if (Date.now() > deadline) {
      print({ ready: false });
      process.exitCode = 1;
      return;
    }
    setTimeout(attempt, 100);
  };
  attempt();
}

const [mode, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as never;
switch (mode) {
  case 'home':
    home(args);
    break;
  case 'gateway':
    gatewayClient(args);
    break;
  case 'probe':
    probeClient(args);
    break;
  case 'dial':
    dial(args);
    break;
  case 'wait':
    wait(args);
    break;
  default:
    process.stderr.write(`unknown mode ${mode}\n`);
    process.exitCode = 2;
}
