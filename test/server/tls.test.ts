import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import type { AditClient } from '../../src/client/client.js';
import type { AditServer } from '../../src/server/server.js';
import { connected, makeClient, makeServer, selfSigned } from '../helpers/inproc.js';
import { closeQuietly, echoServer, httpGet, listenLocal, roundTrip } from '../helpers/net.js';
import { sourceServer, stallingDownloads } from '../helpers/traffic.js';
import { freePort } from '../helpers/adit.js';

const TOKEN = 'tls-token';

function fingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('TLS on the control port (and through a proxy)', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'adit-tls-'));
  const one = selfSigned(dir, 'one');
  const two = selfSigned(dir, 'two');
  const live = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key'), reloadInterval: 50 };
  copyFileSync(one.cert, live.certFile);
  copyFileSync(one.key, live.keyFile);
  const echo = echoServer();
  let server: AditServer;
  const clients: AditClient[] = [];
  const proxies: net.Server[] = [];
  const webServers: AditServer[] = [];

  after(async () => {
    await Promise.all(clients.map((c) => c.close(100)));
    await server?.close(100);
    await Promise.all(webServers.map((w) => w.close(100)));
    await closeQuietly(echo);
    await Promise.all(proxies.map(closeQuietly));
  });

  it('serves wss, verifies by default, honours --ca-file and --tls-server-name, and reloads a rotated certificate', async () => {
    const echoPort = await listenLocal(echo);
    server = makeServer(TOKEN, { tls: live });
    const addr = await server.start();
    const port = Number(addr.control.split(':')[1]);
    const ca = Buffer.concat([readFileSync(one.cert), readFileSync(two.cert)]);

    // Not trusted: the client refuses and keeps retrying.
    const untrusted = makeClient(`wss://localhost:${port}/tunnel`, TOKEN, [`tcp:${await freePort()}=127.0.0.1:${echoPort}`]);
    clients.push(untrusted);
    const firstAttempt = new Promise<number>((r) => untrusted.once('attempt', (n: number) => r(n)));
    untrusted.start();
    assert.equal(await firstAttempt, 1);
    assert.equal(untrusted.state, 'connecting');
    await untrusted.close(100);

    // Trusted through --ca-file, dialled by IP with the name given by --tls-server-name.
    const p = await freePort();
    const client = makeClient(`wss://127.0.0.1:${port}/tunnel`, TOKEN, [`tcp:${p}=127.0.0.1:${echoPort}`], { ca, tlsServerName: 'localhost' });
    clients.push(client);
    const up = connected(client);
    client.start();
    await up;
    assert.equal((await roundTrip(p, 'over wss')).toString(), 'over wss');

    const before = await fingerprint(port);
    copyFileSync(two.key, live.keyFile);
    copyFileSync(two.cert, live.certFile);
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await fingerprint(port);
    }
    assert.notEqual(after, before, 'the new certificate is served without a restart');
    assert.equal((await roundTrip(p, 'still up')).toString(), 'still up', 'the running session is untouched');

    // wss through an HTTP CONNECT proxy named by HTTPS_PROXY: TLS runs end to end inside the tunnel.
    const seen: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req, socket) => {
      seen.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    proxies.push(proxy);
    const proxyPort = await listenLocal(proxy);
    const q = await freePort();
    const viaProxy = makeClient(`wss://localhost:${port}/tunnel`, TOKEN, [`tcp:${q}=127.0.0.1:${echoPort}`], { ca, id: 'via-proxy', env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` } });
    clients.push(viaProxy);
    const up2 = connected(viaProxy);
    viaProxy.start();
    await up2;
    assert.deepEqual(seen, [`localhost:${port}`]);
    assert.equal((await roundTrip(q, 'wss via proxy')).toString(), 'wss via proxy');
  });

  it('speaks TLS to an https upstream, verifying it (trusting --ca-file besides the usual roots)', async () => {
    const secure = https.createServer({ cert: readFileSync(two.cert), key: readFileSync(two.key) }, (req, res) => res.end(`secure ${req.headers.host}`));
    proxies.push(secure);
    const securePort = await listenLocal(secure);
    const web = makeServer(TOKEN, { httpPort: await freePort() });
    webServers.push(web);
    const addr = await web.start();
    const trusting = makeClient(`ws://${addr.control}/tunnel`, TOKEN, [`secure.test=https://localhost:${securePort}`], { ca: readFileSync(two.cert), id: 'trusting' });
    clients.push(trusting);
    let up = connected(trusting);
    trusting.start();
    await up;
    const ok = await httpGet(`http://${addr.http}/`, { host: 'secure.test' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'secure secure.test');
    await trusting.close(100);

    const doubting = makeClient(`ws://${addr.control}/tunnel`, TOKEN, [`secure.test=https://localhost:${securePort}`], { id: 'doubting' });
    clients.push(doubting);
    up = connected(doubting);
    doubting.start();
    await up;
    const bad = await httpGet(`http://${addr.http}/`, { host: 'secure.test' });
    assert.equal(bad.status, 502, 'an unverifiable upstream certificate fails the dial');
  });

  it('carries target→visitor bytes intact over wss on 16 streams at once while half their visitors keep stalling', async () => {
    // Over wss the client's frames are not masked: the transport writes the staged bytes themselves,
    // which must stay untouched until the TLS socket has taken them.
    const source = sourceServer();
    proxies.push(source);
    const sourcePort = await listenLocal(source);
    const port = Number(server.addresses.control.split(':')[1]); // the wss server of the first test
    const p = await freePort();
    const client = makeClient(`wss://localhost:${port}/tunnel`, TOKEN, [`tcp:${p}=127.0.0.1:${sourcePort}`], { ca: Buffer.concat([readFileSync(one.cert), readFileSync(two.cert)]), id: 'stalling-visitors' });
    clients.push(client);
    const up = connected(client);
    client.start();
    await up;
    const outcomes = await stallingDownloads(p, 16, 12 * 1024 * 1024);
    assert.deepEqual(outcomes.map((o) => o.kind), Array(16).fill('complete'));
    await client.close(100);
  });
});
