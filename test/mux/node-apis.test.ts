import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import tls from 'node:tls';
import { connect } from 'node:net';
import type { MuxStream } from '../../src/mux/index.js';
import { wsPair } from './pair.js';

test('a stream serves as the connection of http.Agent, with keep-alive reuse', async () => {
  const p = await wsPair();
  const web = http.createServer((req, res) => res.end(`hello ${req.url}`));
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  const port = (web.address() as { port: number }).port;
  try {
    // far side: each stream is a connection to the web server
    p.b.on('stream', (st: MuxStream) => {
      const up = connect(port, '127.0.0.1', () => { st.accept(); st.pipe(up).pipe(st); });
      up.on('error', () => st.destroy());
      st.on('error', () => up.destroy());
    });
    let opened = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: () => MuxStream }).createConnection = () => { opened++; return p.a.open({ route: 'http' }); };
    for (let i = 0; i < 5; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: 'x', path: `/${i}`, agent }, (res) => {
          let b = '';
          res.on('data', (c) => { b += c; });
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      assert.equal(body, `hello /${i}`);
    }
    assert.equal(opened, 1, 'five requests on one kept-alive stream');
    agent.destroy();
  } finally { web.close(); await p.close(); }
});

test('tls.connect({ socket: stream }) carries TLS end to end with the certificate verified', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'adit-tls-'));
  try {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=svc.test', '-addext', 'subjectAltName=DNS:svc.test', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    const cert = readFileSync(join(dir, 'c.pem'));
    const key = readFileSync(join(dir, 'k.pem'));
    const p = await wsPair();
    const server = tls.createServer({ cert, key }, (s) => s.end(`secret for ${s.servername}`));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      p.b.on('stream', (st: MuxStream) => {
        const up = connect(port, '127.0.0.1', () => { st.accept(); st.pipe(up).pipe(st); });
        st.on('error', () => up.destroy());
        up.on('error', () => st.destroy());
      });
      const stream = p.a.open({ route: 'tls' });
      stream.on('error', () => {}); // torn down with the session at the end
      const conn = tls.connect({ socket: stream, servername: 'svc.test', ca: cert });
      let got = '';
      conn.on('data', (c) => { got += c; });
      await once(conn, 'end');
      assert.equal(conn.authorized, true);
      assert.equal(got, 'secret for svc.test');
      conn.destroy();
    } finally { server.close(); await p.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
