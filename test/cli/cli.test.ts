/** The binary itself: exit codes, token, the inlets name and flags, status table, demo. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAIN, ROOT, freePort, spawnAdit, startServer, stopAll } from '../helpers/adit.js';
import { closeQuietly, echoServer, httpGet, listenLocal, roundTrip } from '../helpers/net.js';

const dir = mkdtempSync(join(tmpdir(), 'adit-cli-'));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
}

describe('adit binary', { timeout: 60_000 }, () => {
  const targets: net.Server[] = [];
  after(async () => {
    await stopAll();
    await Promise.all(targets.map(closeQuietly));
  });

  it('exit codes: 0 for help, 2 for usage and configuration errors', () => {
    assert.equal(run(['--help']).status, 0);
    assert.equal(run(['server', '--no-such-flag']).status, 2);
    const noToken = run(['server', '--control-port', '0', '--admin-port', '0', '--port', '0']);
    assert.equal(noToken.status, 2);
    assert.match(noToken.stderr, /no token configured/);
    const badPort = run(['server', '--token', 'x', '--control-port', '99999']);
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /invalid value "99999" for controlPort \(from --control-port\)/);
    const badUpstream = run(['client', '--url', 'ws://127.0.0.1:1', '--token', 'x', '--upstream', 'tcp:1=nohost']);
    assert.equal(badUpstream.status, 2);
    assert.match(badUpstream.stderr, /invalid upstream "tcp:1=nohost"/);
    const plainWs = run(['client', '--url', 'ws://tunnel.example.com', '--token', 'x', '--upstream', 'tcp:7000=a:1']);
    assert.equal(plainWs.status, 2);
    assert.match(plainWs.stderr, /pass --insecure/);
  });

  it('the bundle runs with only its external packages beside it, and reports its package version', () => {
    // A copy of dist/bundle under a package.json of another version, with node_modules holding
    // just what scripts/bundle.mjs leaves external: anything else it needed would fail here.
    const pkgDir = join(dir, 'bundled');
    cpSync(dirname(MAIN), join(pkgDir, 'dist/bundle'), { recursive: true });
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'adit', version: '9.8.7', type: 'module' }));
    mkdirSync(join(pkgDir, 'node_modules'));
    for (const dep of ['bufferutil', 'node-gyp-build']) symlinkSync(join(ROOT, 'node_modules', dep), join(pkgDir, 'node_modules', dep));
    const main = join(pkgDir, 'dist/bundle', basename(MAIN));
    const runCopy = (args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(runCopy(['--version']).stdout.trim(), '9.8.7');
    for (const cmd of ['server', 'client', 'link']) {
      const help = runCopy([cmd, '--help']);
      assert.equal(help.status, 0, help.stderr);
    }
    assert.match(runCopy(['token']).stdout, /^[A-Za-z0-9_-]{40,}\n$/);
  });

  it('token prints a strong random token', () => {
    const a = run(['token']).stdout.trim();
    const b = run(['token']).stdout.trim();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
  });

  it('runs under the name inlets with the inlets flags, and status shows a table', async () => {
    const link = join(dir, 'inlets');
    symlinkSync(MAIN, link);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'inlets-token\n');
    const server = await startServer({ args: ['--token-from', tokenFile, '--disable-transport-wrapping'] });
    const echo = echoServer();
    targets.push(echo);
    const echoPort = await listenLocal(echo);
    const p = await freePort();
    const client = spawnAdit(['client', `--url=ws://${server.control}`, '--token-from', tokenFile, `--upstream=tcp:${p}=127.0.0.1:${echoPort}`, '--strict-forwarding', '--insecure', '--admin-port=0', '--id=inlets-home'], { argv0Path: link, env: { ADIT_LOG_FORMAT: 'json' } });
    await client.waitLog((l) => l.msg === 'connected');
    assert.equal((await roundTrip(p, 'inlets form')).toString(), 'inlets form');
    const help = spawnSync(process.execPath, [link, '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /^Usage: inlets/);

    const st = run(['status', '--url', `http://${server.admin}`, '--token', 'inlets-token']);
    assert.equal(st.status, 0, st.stderr);
    assert.match(st.stdout, /server: listening, 1 client\(s\), 1 route\(s\)/);
    assert.match(st.stdout, /CLIENT\s+REMOTE\s+TOKEN/);
    assert.match(st.stdout, new RegExp(`inlets-home\\s+127\\.0\\.0\\.1:\\d+\\s+token-[0-9a-f]{8}.*tcp:${p}`));
    const denied = run(['status', '--url', `http://${server.admin}`, '--token', 'nope']);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /401/);

    const metrics = (await httpGet(`http://${server.admin}/metrics`)).body;
    for (const name of ['adit_server_clients_connected 1', `adit_server_streams_total{upstream="tcp:${p}"} 1`, `adit_server_bytes_total{upstream="tcp:${p}",direction="in"} 11`, 'adit_server_auth_failures_total']) {
      assert.ok(metrics.includes(name), `metrics has ${name}`);
    }
    assert.match(metrics, /adit_server_session_rtt_seconds\{client="inlets-home"\} \d/);
    const clientAdmin = String((await client.waitLog((l) => l.msg === 'adit client starting')).admin);
    assert.equal((await httpGet(`http://${clientAdmin}/healthz`)).status, 200);
    assert.equal((await httpGet(`http://${clientAdmin}/readyz`)).status, 200);
    assert.match((await httpGet(`http://${clientAdmin}/metrics`)).body, /adit_client_connected 1/);
    assert.equal((await client.stop()).code, 0);
    assert.equal((await server.stop()).code, 0);
  });

  it('demo starts everything on loopback and the printed commands work', async () => {
    const demo = spawnAdit(['demo', '--http-port', '0']);
    const tryLine = await demo.waitLog((l) => typeof l.msg === 'string' && l.msg.includes("curl -H 'Host: demo.localhost'"), 20_000);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/hello)/.exec(String(tryLine.msg))![1]!;
    const r = await httpGet(url, { host: 'demo.localhost' });
    assert.equal(r.status, 200);
    assert.match(r.body, /hello from the sample service behind the tunnel/);
    const raw = await demo.waitLog((l) => typeof l.msg === 'string' && l.msg.includes('raw TCP tunnel'));
    const rawUrl = /(http:\/\/127\.0\.0\.1:\d+\/raw)/.exec(String(raw.msg))![1]!;
    assert.match((await httpGet(rawUrl)).body, /GET \/raw/);
    assert.equal((await demo.stop()).code, 0);
  });
});
