/** End to end over real processes: HTTP routed by Host through the tunnel, WebSocket pass-through, keep-alive reuse. */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort, startClient, startServer, stopAll, type RunningServer } from '../helpers/adit.js';
import { closeQuietly, httpGet, listenLocal, namedHttpServer } from '../helpers/net.js';

const TOKEN = 'e2e-http-token';

describe('e2e HTTP', { timeout: 60_000 }, () => {
  let server: RunningServer;
  const targets: net.Server[] = [];
  let base = '';
  let port = { exact: 0, wild: 0, def: 0, ws: 0, dead: 0, stream: 0 };
  let openGate!: () => void;
  const streamGate = new Promise<void>((r) => (openGate = r));

  before(async () => {
    const exact = namedHttpServer('exact');
    const wild = namedHttpServer('wild');
    const def = namedHttpServer('default');
    // Streams its answer: the second part is written only once the visitor has seen the first.
    const stream = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      streamGate.then(() => res.end('data: two\n\n'));
    });
    const wsHttp = http.createServer((_req, res) => res.end('not a websocket request'));
    const wss = new WebSocketServer({ server: wsHttp });
    wss.on('connection', (ws, req) => {
      ws.send(`hello ${req.headers.host}`);
      ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
    });
    targets.push(exact, wild, def, wsHttp, stream);
    port = {
      exact: await listenLocal(exact),
      wild: await listenLocal(wild),
      def: await listenLocal(def),
      ws: await listenLocal(wsHttp),
      dead: await freePort(), // nothing listens here: dials are refused
      stream: await listenLocal(stream),
    };
    server = await startServer({ token: TOKEN });
    base = `http://${server.http}`;
    await startClient({
      url: server.url, token: TOKEN,
      upstreams: [
        `app.example.com=http://127.0.0.1:${port.exact}`,
        `*.example.com=http://127.0.0.1:${port.wild}`,
        `ws.test=http://127.0.0.1:${port.ws}`,
        `dead.test=http://127.0.0.1:${port.dead}`,
        `events.test=http://127.0.0.1:${port.stream}`,
        `http://127.0.0.1:${port.def}`,
      ],
    });
  });

  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('routes by Host: exact, then *.suffix, then the default route; Host and X-Forwarded-For pass through', async () => {
    const a = await httpGet(`${base}/a?x=1`, { host: 'app.example.com' });
    assert.equal(a.status, 200);
    const ja = JSON.parse(a.body);
    assert.equal(ja.name, 'exact');
    assert.equal(ja.host, 'app.example.com');
    assert.equal(ja.url, '/a?x=1');
    assert.equal(ja.xff, '127.0.0.1');
    assert.equal(JSON.parse((await httpGet(`${base}/`, { host: 'other.example.com:8000' })).body).name, 'wild');
    assert.equal(JSON.parse((await httpGet(`${base}/`, { host: 'deep.sub.example.com' })).body).name, 'wild');
    assert.equal(JSON.parse((await httpGet(`${base}/`, { host: 'example.com' })).body).name, 'default');
    assert.equal(JSON.parse((await httpGet(`${base}/`, { host: 'anything.else' })).body).name, 'default');
  });

  it('carries request bodies both ways', async () => {
    const body = 'x'.repeat(300_000);
    const res = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${base}/post`, { method: 'POST', headers: { host: 'app.example.com' }, agent: false }, (r) => {
        let t = '';
        r.on('data', (c: Buffer) => (t += c.toString()));
        r.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(JSON.parse(res).body.length, body.length);
  });

  it('pools keep-alive connections over tunnel streams', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      // A fresh visitor connection each time: reuse must come from the server's pool of tunnel streams.
      const r = await httpGet(`${base}/k${i}`, { host: 'app.example.com' });
      seen.add(JSON.parse(r.body).port as number);
    }
    assert.equal(seen.size, 1, `the target saw connections from ports ${[...seen].join(', ')}`);
  });

  it('streams response bodies as they come (no buffering of the whole answer)', async () => {
    const parts: string[] = [];
    await new Promise<void>((resolve, reject) => {
      http.get(`${base}/events`, { headers: { host: 'events.test' }, agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          parts.push(c);
          if (parts.length === 1) openGate(); // only now may the upstream finish
        });
        res.on('end', resolve);
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.deepEqual(parts, ['data: one\n\n', 'data: two\n\n']);
  });

  it('passes WebSocket upgrades through', async () => {
    const ws = new WebSocket(`ws://${server.http}/chat`, { headers: { host: 'ws.test' } });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.on('message', (m) => {
        messages.push(m.toString());
        if (messages.length === 1) ws.send('ping');
        else {
          ws.close();
          resolve();
        }
      });
      ws.on('error', reject);
    });
    await done;
    assert.deepEqual(messages, ['hello ws.test', 'echo:ping']);
  });

  it('answers 502 with a short reason when no tunnel serves the host or the upstream refuses', async () => {
    const server2 = await startServer({ token: TOKEN });
    const none = await httpGet(`http://${server2.http}/`, { host: 'nobody.test' });
    assert.equal(none.status, 502);
    assert.match(none.body, /no tunnel serves host "nobody.test"/);
    const dead = await httpGet(`${base}/`, { host: 'dead.test' });
    assert.equal(dead.status, 502);
    assert.match(dead.body, /upstream refused the connection/);
    const deadWs = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://${server.http}/`, { headers: { host: 'dead.test' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    assert.equal(deadWs, 502);
    // The tunnel is unharmed.
    assert.equal((await httpGet(`${base}/`, { host: 'app.example.com' })).status, 200);
  });

  it('guards the HTTP port: oversized headers get 431', async () => {
    const r = await httpGet(`${base}/`, { host: 'app.example.com', 'x-big': 'y'.repeat(20_000) });
    assert.equal(r.status, 431);
  });
});
