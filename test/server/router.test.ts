import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { AditClient } from '../../src/client/client.js';
import { helloProblem, parseRoute } from '../../src/protocol/hello.js';
import { routeNames, upstreamFailure } from '../../src/server/http-plane.js';
import type { AditServer } from '../../src/server/server.js';
import { freePort } from '../helpers/adit.js';
import { connected, makeClient, makeServer } from '../helpers/inproc.js';
import { closeQuietly, httpGet, listenLocal, namedHttpServer, visitorOutcome } from '../helpers/net.js';

describe('HTTP routing rules', () => {
  it('tries exact, then wildcards from the longest suffix, then the default', () => {
    assert.deepEqual([...routeNames('a.b.example.com')], ['http:a.b.example.com', 'http:*.b.example.com', 'http:*.example.com', 'http:*.com', 'http:*']);
  });

  it('maps stream failures to 502/504 with a short reason', () => {
    assert.deepEqual(upstreamFailure({ code: 'ADIT_ERR_CONNECT_TIMEOUT' }), { status: 504, text: 'upstream did not answer the dial in time' });
    assert.equal(upstreamFailure({ code: 'ADIT_ERR_CONNECT_REFUSED' }).status, 502);
    assert.equal(upstreamFailure({ code: 'ADIT_ERR_TRANSPORT_CLOSED' }).status, 502);
  });

  it('validates HELLO and route names', () => {
    assert.equal(helloProblem({ v: 1, id: 'home-1', upstreams: ['tcp:1'] }), undefined);
    assert.match(helloProblem({ v: 1, id: '', upstreams: [] })!, /id/);
    assert.match(helloProblem({ v: 1, id: 'x', upstreams: 'tcp:1' })!, /upstreams/);
    assert.deepEqual(parseRoute('tcp:6143'), { kind: 'tcp', port: 6143 });
    assert.deepEqual(parseRoute('http:*.example.com'), { kind: 'http', host: '*.example.com' });
    assert.equal(parseRoute('tcp:0'), undefined);
    assert.equal(parseRoute('udp:53'), undefined);
    assert.equal(parseRoute('http:bad host'), undefined);
  });
});

describe('HTTP port', { timeout: 30_000 }, () => {
  let server: AditServer | undefined;
  let client: AditClient | undefined;
  const targets: net.Server[] = [];
  after(async () => {
    await client?.close(100);
    await server?.close(100);
    await Promise.all(targets.map(closeQuietly));
  });

  it('shares one port between control and HTTP when told to (inlets style), and cuts slow request heads', async () => {
    const web = namedHttpServer('web');
    targets.push(web);
    const webPort = await listenLocal(web);
    const port = await freePort();
    server = makeServer('shared', { controlPort: port, httpPort: port, headersTimeout: 400 });
    const addr = await server.start();
    assert.equal(addr.http, addr.control);
    client = makeClient(`ws://127.0.0.1:${port}`, 'shared', [`app.test=http://127.0.0.1:${webPort}`]);
    const up = connected(client);
    client.start();
    await up;
    const r = await httpGet(`http://127.0.0.1:${port}/x`, { host: 'app.test' });
    assert.equal(JSON.parse(r.body).name, 'web');

    // Slowloris: a head that never completes is answered 408 and closed after headersTimeout.
    const t0 = performance.now();
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('close', () => resolve(text));
      s.write('GET / HTTP/1.1\r\nHost: app.test\r\nX-Slow: ');
    });
    const ms = performance.now() - t0;
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(ms < 3_000, `closed after ${ms.toFixed(0)} ms`);
  });
});

describe('limits, host ownership and pooled-stream reuse', { timeout: 30_000 }, () => {
  const servers: AditServer[] = [];
  const clients: AditClient[] = [];
  const targets: net.Server[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close(100)));
    await Promise.all(servers.map((s) => s.close(100)));
    await Promise.all(targets.map(closeQuietly));
  });

  async function tunnel(upstreams: string[], maxStreams?: number, clientMaxStreams?: number) {
    const server = makeServer('limits', { httpPort: await freePort(), ...(maxStreams ? { maxStreams } : {}) });
    servers.push(server);
    const addr = await server.start();
    const client = makeClient(`ws://${addr.control}/tunnel`, 'limits', upstreams, clientMaxStreams ? { maxStreams: clientMaxStreams } : {});
    clients.push(client);
    const up = connected(client);
    client.start();
    await up;
    return addr;
  }

  it('sends a GET again when its pooled stream died as it was reused', async () => {
    // The upstream drops every keep-alive connection a moment after its response: the classic reuse race.
    let n = 0;
    const web = http.createServer((req, res) => {
      n++;
      res.end(`answer ${n}`, () => setTimeout(() => req.socket.destroy(), 5));
    });
    web.keepAliveTimeout = 60_000;
    targets.push(web);
    const addr = await tunnel([`web.test=http://127.0.0.1:${await listenLocal(web)}`]);
    for (let i = 1; i <= 20; i++) {
      const r = await httpGet(`http://${addr.http}/`, { host: 'web.test' });
      assert.equal(r.status, 200, `request ${i}: ${r.body}`);
      await new Promise((res) => setTimeout(res, 4));
    }
  });

  it('a host (or wildcard, or the default route) held by one client is refused to another', async () => {
    const server = makeServer('hosts', { httpPort: await freePort() });
    servers.push(server);
    const addr = await server.start();
    const first = makeClient(`ws://${addr.control}/tunnel`, 'hosts', ['app.test=http://127.0.0.1:1', '*.wild.test=http://127.0.0.1:1', 'http://127.0.0.1:1'], { id: 'first' });
    clients.push(first);
    let up = connected(first);
    first.start();
    await up;
    assert.ok(first.ready);
    const second = makeClient(`ws://${addr.control}/tunnel`, 'hosts', ['app.test=http://127.0.0.1:2', '*.wild.test=http://127.0.0.1:2', 'http://127.0.0.1:2', 'other.test=http://127.0.0.1:2'], { id: 'second' });
    clients.push(second);
    up = connected(second);
    second.start();
    await up;
    assert.deepEqual(second.results.map((r) => [r.upstream, r.accepted, r.code]), [
      ['http:app.test', false, 'TAKEN'], ['http:*.wild.test', false, 'TAKEN'], ['http:*', false, 'TAKEN'], ['http:other.test', true, undefined],
    ]);
    assert.equal(second.ready, false);
  });

  it('caps the streams open to one client', async () => {
    const sink = net.createServer((s) => s.on('error', () => undefined).resume());
    const web = namedHttpServer('web');
    targets.push(sink, web);
    const tcpPort = await freePort();
    const addr = await tunnel([`tcp:${tcpPort}=127.0.0.1:${await listenLocal(sink)}`, `web.test=http://127.0.0.1:${await listenLocal(web)}`], 1);
    // One stream at a time: a held TCP visitor uses it, the next one is reset and HTTP gets 503.
    const held = net.connect({ host: '127.0.0.1', port: tcpPort });
    held.on('error', () => undefined);
    await new Promise((r) => held.once('connect', r));
    await new Promise((r) => setTimeout(r, 100));
    const second = await visitorOutcome(tcpPort, 'x');
    assert.equal(second.error, 'ECONNRESET');
    assert.equal((await httpGet(`http://${addr.http}/`, { host: 'web.test' })).status, 503);
    held.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await httpGet(`http://${addr.http}/`, { host: 'web.test' })).status, 200, 'free again once the visitor left');
  });

  it('the client caps the streams it accepts too (--max-streams on the client)', async () => {
    const sink = net.createServer((s) => s.on('error', () => undefined).resume());
    targets.push(sink);
    const tcpPort = await freePort();
    await tunnel([`tcp:${tcpPort}=127.0.0.1:${await listenLocal(sink)}`], undefined, 1);
    const held = net.connect({ host: '127.0.0.1', port: tcpPort });
    held.on('error', () => undefined);
    await new Promise((r) => held.once('connect', r));
    await new Promise((r) => setTimeout(r, 100));
    const second = await visitorOutcome(tcpPort, 'x');
    assert.equal(second.error, 'ECONNRESET');
    const metrics = await servers.at(-1)!.metrics.registry.metrics();
    assert.match(metrics, new RegExp(`adit_server_dial_failures_total\\{upstream="tcp:${tcpPort}",reason="stream_limit"\\} 1`));
    held.destroy();
  });
});
