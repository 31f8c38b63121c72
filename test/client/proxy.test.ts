import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { AditClient } from '../../src/client/client.js';
import { proxyFor, serverUrl } from '../../src/client/server-url.js';
import type { AditServer } from '../../src/server/server.js';
import { freePort } from '../helpers/adit.js';
import { connected, makeClient, makeServer } from '../helpers/inproc.js';
import { closeQuietly, echoServer, listenLocal, roundTrip } from '../helpers/net.js';

describe('server URL and proxy', { timeout: 30_000 }, () => {
  it('needs --insecure for plain ws:// beyond loopback, and defaults the path to /tunnel', () => {
    assert.throws(() => serverUrl('ws://tunnel.example.com', false), /--insecure/);
    assert.equal(serverUrl('ws://tunnel.example.com', true).href, 'ws://tunnel.example.com/tunnel');
    assert.equal(serverUrl('ws://127.0.0.1:8123', false).pathname, '/tunnel');
    assert.equal(serverUrl('wss://h/custom', false).pathname, '/custom');
    assert.throws(() => serverUrl('ftp://h', true), /ws:\/\/ or wss:\/\//);
  });

  it('picks the proxy from the environment and honours NO_PROXY', () => {
    const u = new URL('wss://tunnel.example.com/tunnel');
    assert.equal(proxyFor(u, { HTTPS_PROXY: 'http://proxy:3128' }), 'http://proxy:3128');
    assert.equal(proxyFor(u, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.example.com' }), undefined);
    assert.equal(proxyFor(u, {}), undefined);
  });

  const servers: net.Server[] = [];
  let adit: AditServer | undefined;
  let client: AditClient | undefined;
  after(async () => {
    await client?.close(100);
    await adit?.close(100);
    await Promise.all(servers.map(closeQuietly));
  });

  it('tunnels the control connection through an HTTP CONNECT proxy', async () => {
    const connects: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req, socket, head) => {
      connects.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    const echo = echoServer();
    servers.push(proxy, echo);
    const proxyPort = await listenLocal(proxy);
    const echoPort = await listenLocal(echo);
    adit = makeServer('proxy-token');
    const addr = await adit.start();
    const p = await freePort();
    client = makeClient(`ws://${addr.control}/tunnel`, 'proxy-token', [`tcp:${p}=127.0.0.1:${echoPort}`], { env: { HTTP_PROXY: `http://127.0.0.1:${proxyPort}` } });
    const up = connected(client);
    client.start();
    await up;
    assert.deepEqual(connects, [addr.control]);
    assert.equal((await roundTrip(p, 'via proxy')).toString(), 'via proxy');
  });
});
