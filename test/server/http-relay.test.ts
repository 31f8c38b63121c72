/**
 * The HTTP plane's relay over real sockets (in-process server and client):
 * where responses end (chunked, until close, HEAD, 204/304, interim 1xx),
 * hop-by-hop headers, request bodies, a Host change and pipelining on one
 * visitor connection, and what happens to a stream that cannot be reused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AditClient } from '../../src/client/client.js';
import type { AditServer } from '../../src/server/server.js';
import { responseHeaders } from '../../src/server/http-exchange.js';
import { forwardHead } from '../../src/server/http-request-head.js';
import { freePort } from '../helpers/adit.js';
import { connected, makeClient, makeServer } from '../helpers/inproc.js';
import { closeQuietly, listenLocal } from '../helpers/net.js';

let onStall: (s: net.Socket) => void = () => undefined;
const CHUNK = Buffer.alloc(1024 * 1024, 'h');
const HUGE_CHUNKS = 64;
let hugeWritten = 0;
const BIG = Buffer.alloc(3 * 1024 * 1024 + 17, 'abcdefghij');

/** Answers by path with bytes written by hand, one request at a time per connection. */
function rawUpstream(): net.Server & { connections: number } {
  const server = net.createServer((s) => {
    const id = ++server.connections;
    let buf = '';
    s.on('error', () => undefined);
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [method, path] = head.split(' ');
        answer(s, method, path, head, id);
      }
    });
  }) as net.Server & { connections: number };
  server.connections = 0;
  return server;
}

function answer(s: net.Socket, method: string, path: string, head: string, id: number): void {
  switch (path) {
    case '/chunked':
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5;ext=1\r\nhel');
      setTimeout(() => s.write('lo\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n'), 20);
      return;
    case '/close':
      s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close on #${id}`);
      return;
    case '/head':
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: 50\r\nX-Method: ${method}\r\n\r\n`);
      return;
    case '/nocontent':
      s.write('HTTP/1.1 204 No Content\r\nX-Status: 204\r\n\r\n');
      return;
    case '/notmodified':
      s.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n');
      return;
    case '/interim':
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n');
      setTimeout(() => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal'), 10);
      return;
    case '/hop':
      s.write('HTTP/1.1 200 Fine\r\nConnection: X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=99\r\nProxy-Connection: keep-alive\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok');
      return;
    case '/echo-head':
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(head, 'latin1')}\r\n\r\n${head}`);
      return;
    case '/bad':
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello');
      return;
    case '/cut':
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
      setTimeout(() => s.destroy(), 20);
      return;
    case '/big':
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`);
      s.write(BIG);
      return;
    case '/early':
      s.write('HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\n\r\nbig!');
      return;
    case '/huge': {
      // 64 MiB, written only as fast as the tunnel takes it.
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${HUGE_CHUNKS * CHUNK.length}\r\n\r\n`);
      let left = HUGE_CHUNKS;
      const more = (): void => {
        while (left > 0) {
          left--;
          hugeWritten += CHUNK.length;
          if (!s.write(CHUNK)) return void s.once('drain', more);
        }
      };
      more();
      return;
    }
    case '/stall':
      onStall(s);
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
      return;
    default:
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
  }
}

/** Echoes what Node parsed of the request: method, url, headers, body length and hash. */
function echoUpstream(): http.Server {
  return http.createServer((req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, n, sha: h.digest('hex') })));
  });
}

interface Answer {
  status: number;
  message: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  reused: boolean;
}

function ask(port: number, o: { host: string; path: string; method?: string; headers?: Record<string, string>; body?: Buffer[]; agent?: http.Agent }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers: { host: o.host, ...o.headers }, agent: o.agent ?? false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(parts), reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const b of o.body ?? []) req.write(b);
    req.end();
  });
}

describe('header rules', () => {
  it('response headers: hop-by-hop and Connection-listed ones go, the rest pass in order (as is when there is nothing to drop)', () => {
    const plain = ['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'];
    assert.equal(responseHeaders(plain), plain);
    assert.deepEqual(
      responseHeaders(['Connection', 'keep-alive, X-Secret', 'X-Secret', '1', 'TE', 'x', 'Transfer-Encoding', 'chunked', 'Trailer', 'X-T', 'Upgrade', 'h2c', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'Proxy-Authorization', 'x', 'X-Kept', 'yes', 'x-secret-not', '2']),
      ['X-Kept', 'yes', 'x-secret-not', '2'],
    );
  });

  it('request heads: hop-by-hop go, X-Forwarded-* are added or extended, bodies are framed', () => {
    const h = forwardHead('POST', '/p?q=1', ['Host', 'a.test', 'Connection', 'X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '10.0.0.2', 'X-Forwarded-Proto', 'https'], '127.0.0.9', false);
    assert.equal(h.body, 'chunked');
    assert.equal(h.text, 'POST /p?q=1 HTTP/1.1\r\nHost: a.test\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.9\r\nX-Forwarded-Host: a.test\r\nTransfer-Encoding: chunked\r\n\r\n');
    const up = forwardHead('GET', '/ws', ['Host', 'a.test', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Content-Length', '0'], '::1', true);
    assert.equal(up.text, 'GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\nX-Forwarded-For: ::1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: a.test\r\n\r\n');
    assert.equal(forwardHead('GET', '/', [], '1.2.3.4', false).text, 'GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\n\r\n');
  });
});

describe('HTTP relay over tunnel streams', { timeout: 60_000 }, () => {
  let server: AditServer;
  let client: AditClient;
  const raw = rawUpstream();
  const echo = echoUpstream();
  let port = 0;

  before(async () => {
    const rawPort = await listenLocal(raw);
    const echoPort = await listenLocal(echo);
    server = makeServer('relay', { httpPort: await freePort() });
    const addr = await server.start();
    port = Number(addr.http!.split(':').pop());
    client = makeClient(`ws://${addr.control}/tunnel`, 'relay', [`raw.test=http://127.0.0.1:${rawPort}`, `echo.test=http://127.0.0.1:${echoPort}`, `dead.test=http://127.0.0.1:${await freePort()}`]);
    const up = connected(client);
    client.start();
    await up;
  });

  after(async () => {
    await client?.close(100);
    await server?.close(100);
    await closeQuietly(raw);
    await closeQuietly(echo);
  });

  it('decodes a chunked response split across writes (extensions, trailers) and keeps the stream', async () => {
    const before = raw.connections;
    const a = await ask(port, { host: 'raw.test', path: '/chunked' });
    assert.equal(a.body.toString(), 'hello world');
    assert.equal(a.headers.trailer, undefined, 'Trailer is hop-by-hop');
    const b = await ask(port, { host: 'raw.test', path: '/chunked' });
    assert.equal(b.body.toString(), 'hello world');
    assert.ok(raw.connections - before <= 1, `${raw.connections - before} upstream connections for two sequential requests`);
  });

  it('a body that runs until close is relayed whole, and that stream is not reused', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const body = (await ask(port, { host: 'raw.test', path: '/close' })).body.toString();
      assert.match(body, /^body until close on #\d+$/);
      seen.add(body);
    }
    assert.equal(seen.size, 3, 'each answer came over its own upstream connection');
  });

  it('HEAD, 204 and 304 have no body, and the visitor connection carries on after them', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const h = await ask(port, { host: 'raw.test', path: '/head', method: 'HEAD', agent });
      assert.deepEqual([h.status, h.headers['content-length'], h.headers['x-method'], h.body.length], [200, '50', 'HEAD', 0]);
      const n = await ask(port, { host: 'raw.test', path: '/nocontent', agent });
      assert.deepEqual([n.status, n.headers['x-status'], n.body.length, n.reused], [204, '204', 0, true]);
      const m = await ask(port, { host: 'raw.test', path: '/notmodified', agent });
      assert.deepEqual([m.status, m.headers.etag, m.body.length, m.reused], [304, '"v1"', 0, true]);
      const after = await ask(port, { host: 'raw.test', path: '/after', agent });
      assert.deepEqual([after.body.toString(), after.reused], ['/after', true]);
    } finally {
      agent.destroy();
    }
  });

  it('skips interim 1xx responses and answers with the final one', async () => {
    const a = await ask(port, { host: 'raw.test', path: '/interim' });
    assert.deepEqual([a.status, a.body.toString()], [200, 'final']);
  });

  it('drops hop-by-hop headers both ways and adds X-Forwarded-*', async () => {
    const a = await ask(port, { host: 'raw.test', path: '/hop' });
    assert.deepEqual([a.status, a.message, a.headers['x-kept'], a.headers['x-secret'], a.headers['proxy-connection'], a.body.toString()], [200, 'Fine', 'yes', undefined, undefined, 'ok']);
    assert.notEqual(a.headers['keep-alive'], 'timeout=99');
    const e = await ask(port, { host: 'raw.test', path: '/echo-head', headers: { connection: 'keep-alive, X-Hop', 'x-hop': '1', te: 'trailers', 'x-forwarded-for': '10.0.0.1', 'x-other': 'kept' } });
    const head = e.body.toString('latin1').toLowerCase();
    assert.match(head, /^get \/echo-head http\/1\.1\r\n/);
    assert.match(head, /\r\nhost: raw\.test\r\n/);
    assert.match(head, /\r\nx-other: kept\r\n/);
    assert.match(head, /\r\nx-forwarded-for: 10\.0\.0\.1, 127\.0\.0\.1\r\n/);
    assert.match(head, /\r\nx-forwarded-proto: http\r\n/);
    assert.match(head, /\r\nx-forwarded-host: raw\.test(\r\n|$)/);
    for (const gone of ['x-hop:', 'te:', 'connection:']) assert.ok(!head.includes(`\r\n${gone}`), `${gone} was forwarded`);
  });

  it('carries request bodies: Content-Length as is, Transfer-Encoding re-chunked', async () => {
    const body = Buffer.alloc(300_000, 'q');
    const sha = createHash('sha256').update(body).digest('hex');
    const fixed = JSON.parse((await ask(port, { host: 'echo.test', path: '/p', method: 'POST', headers: { 'content-length': String(body.length) }, body: [body] })).body.toString());
    assert.deepEqual([fixed.method, fixed.n, fixed.sha, fixed.headers['content-length']], ['POST', body.length, sha, String(body.length)]);
    const parts = [body.subarray(0, 1000), body.subarray(1000, 200_000), body.subarray(200_000)];
    const chunked = JSON.parse((await ask(port, { host: 'echo.test', path: '/c', method: 'PUT', body: parts })).body.toString());
    assert.deepEqual([chunked.method, chunked.n, chunked.sha, chunked.headers['transfer-encoding']], ['PUT', body.length, sha, 'chunked']);
    const empty = JSON.parse((await ask(port, { host: 'echo.test', path: '/e', method: 'POST', headers: { 'content-length': '0' } })).body.toString());
    assert.equal(empty.n, 0);
  });

  it('a request body to a refused or early-answering upstream gets its answer, and the tunnel carries on', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 'b');
    const dead = await ask(port, { host: 'dead.test', path: '/up', method: 'POST', headers: { 'content-length': String(body.length) }, body: [body] });
    assert.deepEqual([dead.status, dead.body.toString()], [502, 'upstream refused the connection\n']);
    const early = await ask(port, { host: 'raw.test', path: '/early', method: 'POST', headers: { 'content-length': String(body.length) }, body: [body] }).catch((e: Error) => e);
    // Node's client may see the answer, or a reset if the server closed while the body was still coming.
    if (!(early instanceof Error)) assert.deepEqual([early.status, early.body.toString()], [413, 'big!']);
    assert.equal((await ask(port, { host: 'raw.test', path: '/after-early' })).body.toString(), '/after-early');
  });

  it('one visitor connection may change Host between requests, and may pipeline them', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await ask(port, { host: 'raw.test', path: '/one', agent });
      const b = await ask(port, { host: 'echo.test', path: '/two', agent });
      const c = await ask(port, { host: 'raw.test', path: '/three', agent });
      assert.equal(a.body.toString(), '/one');
      assert.equal(JSON.parse(b.body.toString()).url, '/two');
      assert.deepEqual([c.body.toString(), b.reused, c.reused], ['/three', true, true]);
    } finally {
      agent.destroy();
    }
    // Three requests in one write: answered in order, each by its own Host's upstream.
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if ((got.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && got.endsWith('/p3')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
      s.write('GET /p1 HTTP/1.1\r\nHost: raw.test\r\n\r\nGET /p2 HTTP/1.1\r\nHost: echo.test\r\n\r\nGET /p3 HTTP/1.1\r\nHost: raw.test\r\n\r\n');
    });
    const i1 = text.indexOf('/p1');
    const i2 = text.indexOf('"url":"/p2"');
    const i3 = text.lastIndexOf('/p3');
    assert.ok(i1 > 0 && i2 > i1 && i3 > i2, text);
  });

  it('an HTTP/1.0 visitor gets a chunked upstream answer decoded, delimited by the close', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('end', () => resolve(got));
      s.on('error', reject);
      s.write('GET /chunked HTTP/1.0\r\nHost: raw.test\r\n\r\n');
    });
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(!/transfer-encoding/i.test(text), text);
    assert.ok(text.endsWith('\r\n\r\nhello world'), text);
  });

  it('relays a large response intact', async () => {
    const a = await ask(port, { host: 'raw.test', path: '/big' });
    assert.equal(a.body.length, BIG.length);
    assert.ok(a.body.equals(BIG));
    // Body bytes are counted per route and direction.
    const metrics = await server.metrics.registry.metrics();
    const out = /adit_server_bytes_total\{upstream="http:raw.test",direction="out"\} (\d+)/.exec(metrics);
    const inn = /adit_server_bytes_total\{upstream="http:echo.test",direction="in"\} (\d+)/.exec(metrics);
    assert.ok(out && Number(out[1]) >= BIG.length, `bytes out: ${out?.[1]}`);
    assert.ok(inn && Number(inn[1]) >= 600_000, `bytes in: ${inn?.[1]} (two 300 kB bodies were sent before)`);
  });

  it('a visitor that stops reading holds the upstream back (backpressure end to end), then gets every byte', async () => {
    const total = HUGE_CHUNKS * CHUNK.length;
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    s.write('GET /huge HTTP/1.1\r\nHost: raw.test\r\n\r\n');
    await new Promise<void>((resolve) => s.once('data', () => resolve()));
    s.pause();
    // Let the pipe fill: socket buffers, the server's response buffer and the stream's window.
    await new Promise((r) => setTimeout(r, 800));
    const written = hugeWritten;
    assert.ok(written < total, `the upstream wrote all ${written} bytes to a visitor that reads nothing`);
    s.resume();
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (got >= total) {
          clearInterval(t);
          resolve();
        }
      }, 20);
      s.once('close', () => {
        clearInterval(t);
        if (got < total) reject(new Error(`closed after ${got} bytes`));
      });
    });
    s.destroy();
    assert.ok(got > total, 'head and whole body arrived');
  });

  it('a malformed response is a 502; one cut short aborts the visitor connection', async () => {
    const bad = await ask(port, { host: 'raw.test', path: '/bad' });
    assert.equal(bad.status, 502);
    assert.match(bad.body.toString(), /malformed/);
    await assert.rejects(ask(port, { host: 'raw.test', path: '/cut' }), /aborted|socket hang up|ECONNRESET/);
    // The tunnel is unharmed.
    assert.equal((await ask(port, { host: 'raw.test', path: '/fine' })).body.toString(), '/fine');
  });

  it('a visitor leaving mid-response closes that upstream connection (never pooled half-read)', async () => {
    const upstreamSide = new Promise<net.Socket>((resolve) => (onStall = resolve));
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.write('GET /stall HTTP/1.1\r\nHost: raw.test\r\n\r\n');
    await new Promise<void>((resolve) => s.once('data', () => resolve()));
    const up = await upstreamSide;
    const upClosed = new Promise<void>((resolve) => (up.destroyed ? resolve() : up.once('close', () => resolve())));
    s.destroy();
    await upClosed;
    assert.equal((await ask(port, { host: 'raw.test', path: '/still-fine' })).body.toString(), '/still-fine');
    const metrics = await server.metrics.registry.metrics();
    assert.match(metrics, /adit_server_http_requests_total\{upstream="http:raw.test",code="200"\} \d+/);
  });
});
