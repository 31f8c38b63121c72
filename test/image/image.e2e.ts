/**
 * Builds the Dockerfile with podman and runs the image for real: a server and a
 * client container (args rendered by the Helm charts, chart-like security
 * settings), TCP and HTTP traffic through the tunnel, and `podman stop` ending
 * each container promptly through SIGTERM.
 *
 * Needs root, podman, runc and debootstrap (Debian packages), and the npm
 * registry (base image Node binary, npm ci in the build). Run: npm run test:image
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { find, helmTemplate } from '../charts/render.js';
import { repoRoot } from '../helpers/kube-tools.js';
import { hasCommand, Podman } from './podman.js';
import { echoServer, freePorts, HeldConnection, httpGet, tcpRoundTrip, waitFor200, webServer } from './upstreams.js';

const run = promisify(execFile);
const tag = `${process.pid}-${Date.now().toString(36)}`;
const IMAGE = `localhost/adit-e2e:${tag}`;
const SERVER = `adit-e2e-server-${tag}`;
const CLIENT = `adit-e2e-client-${tag}`;
/** podman stop's kill timeout; a SIGTERM-deaf container would take this long and exit 137. */
const KILL_AFTER_S = 30;
/** What "promptly" means: well under the kill timeout, with slack for a loaded 2-core CI box. */
const PROMPT_MS = 10_000;

/** The Dockerfile's default base, e.g. node:22-bookworm-slim; the test builds it locally under localhost/. */
function defaultBase(): { name: string; major: string } {
  const m = /^ARG BASE_IMAGE=(node:(\d+)-bookworm-slim)$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  assert.ok(m, 'Dockerfile declares ARG BASE_IMAGE=node:<major>-bookworm-slim');
  return { name: m[1]!, major: m[2]! };
}

/** The CA bundle the host's npm trusts (NODE_EXTRA_CA_CERTS, else npm's cafile), if any. */
async function buildCa(): Promise<string | undefined> {
  if (process.env.NODE_EXTRA_CA_CERTS) return process.env.NODE_EXTRA_CA_CERTS;
  try {
    const { stdout } = await run('npm', ['config', 'get', 'cafile'], { timeout: 30_000 });
    const file = stdout.trim();
    return file && file !== 'null' && file !== 'undefined' ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Container args as the chart renders them, bound to loopback for the test. */
async function chartArgs(chart: 'adit-server' | 'adit-client', set: string[]): Promise<string[]> {
  const { objects } = await helmTemplate(chart, [], { set });
  const args: string[] = find(objects, 'Deployment').spec.template.spec.containers[0].args;
  return args.map((a) => a.replace(/=0\.0\.0\.0$/, '=127.0.0.1'));
}

/** Mirrors the charts' securityContext: non-root, read-only root, no capabilities, no privilege escalation. */
function hardened(tokenDir: string): string[] {
  return ['--network', 'host', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '10001:10001', '-v', `${tokenDir}:/etc/adit/token:ro`];
}

async function waitForLog(podman: Podman, name: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(await podman.logs(name))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not log ${pattern} within ${timeoutMs} ms`);
}

/** Exit 0 well before the kill timeout (137 would mean SIGKILL), with SIGTERM in the log. */
async function checkStopped(podman: Podman, name: string, elapsed: number, what: string): Promise<void> {
  const exitCode = await podman.inspect(name, '{{.State.ExitCode}}');
  const logs = await podman.logs(name);
  assert.equal(exitCode, '0', `${name} exit code ${exitCode} (137 = killed after the timeout)\n${logs.slice(-2000)}`);
  assert.ok(elapsed < PROMPT_MS, `${name} took ${elapsed} ms to stop`);
  assert.match(logs, /SIGTERM/, `${name} logged that it handled SIGTERM`);
  console.log(`# podman stop ${what}: ${elapsed} ms, exit ${exitCode}`);
}

describe('container image (podman + runc)', { timeout: 20 * 60_000 }, () => {
  const podman = new Podman();
  const work = mkdtempSync(join(tmpdir(), 'adit-image-e2e-'));
  const token = randomBytes(24).toString('base64url');
  const servers: Server[] = [];

  before(async () => {
    for (const cmd of ['podman', 'runc', 'debootstrap']) {
      const ok = await hasCommand(cmd, cmd === 'debootstrap' ? ['--help'] : ['--version']);
      assert.ok(ok, `${cmd} is required (Debian packages podman runc debootstrap uidmap)`);
    }
    const base = defaultBase();
    const baseRef = `localhost/${base.name}`;
    // Cached between runs: the podman image itself, and the debootstrapped tree in /var/tmp.
    await run('sh', [join(repoRoot, 'scripts/image/make-base.sh'), baseRef, base.major], { env: podman.env, timeout: 10 * 60_000, maxBuffer: 16 << 20 });

    const build = ['build', '--runtime', 'runc', '--network', 'host', '--pull=never', '--layers=false', '--build-arg', `BASE_IMAGE=${baseRef}`, '--build-arg', `REVISION=e2e-${tag}`];
    // A TLS-intercepting proxy's CA (as on this sandbox) must reach npm inside the build.
    const ca = await buildCa();
    if (ca) build.push('--volume', `${ca}:/run/adit-build-ca.crt:ro`, '--build-arg', 'NODE_EXTRA_CA_CERTS=/run/adit-build-ca.crt');
    await podman.cmd([...build, '-t', IMAGE, repoRoot], 10 * 60_000);
  });

  after(async () => {
    for (const name of [CLIENT, SERVER]) await podman.quiet(['rm', '-f', '-t', '0', name]);
    await podman.quiet(['rmi', '-f', IMAGE]);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(work, { recursive: true, force: true });
    podman.dispose();
  });

  it('is non-root, runs adit, links inlets, ships production dependencies only, carries OCI labels', async () => {
    const config = JSON.parse(await podman.cmd(['image', 'inspect', '--format', '{{json .Config}}', IMAGE])) as {
      User: string;
      Entrypoint: string[];
      Labels: Record<string, string>;
    };
    assert.equal(config.User, '10001:10001');
    assert.deepEqual(config.Entrypoint, ['adit']);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(config.Labels['org.opencontainers.image.title'], 'adit');
    assert.equal(config.Labels['org.opencontainers.image.version'], pkg.version);
    assert.equal(config.Labels['org.opencontainers.image.revision'], `e2e-${tag}`);
    assert.equal(config.Labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.equal(config.Labels['org.opencontainers.image.base.name'], `localhost/${defaultBase().name}`);

    const version = await podman.cmd(['run', '--rm', '--runtime', 'runc', '--network', 'none', IMAGE, '--version']);
    assert.equal(version.trim(), pkg.version);
    const inletsHelp = await podman.cmd(['run', '--rm', '--runtime', 'runc', '--network', 'none', '--entrypoint', 'inlets', IMAGE, 'server', '--help']);
    assert.match(inletsHelp, /--control-port/);
    assert.match(inletsHelp, /--token-from|--token-file/);

    const listing = await podman.cmd(['run', '--rm', '--runtime', 'runc', '--network', 'none', '--entrypoint', '/bin/sh', IMAGE, '-c', 'readlink /usr/local/bin/inlets; readlink /usr/local/bin/adit; ls /app/node_modules /app/node_modules/@types 2>/dev/null; id -u']);
    const lines = listing.trim().split('\n');
    assert.equal(lines[0], 'adit');
    assert.equal(lines[1], '/app/dist/bundle/adit.js');
    assert.equal(lines.at(-1), '10001');
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(listing.includes(dep), `production dependency ${dep} is in the image`);
    for (const dev of ['typescript', 'eslint', 'kubernetes-models', 'fast-check'].filter((d) => d in pkg.devDependencies)) {
      assert.ok(!lines.includes(dev), `dev dependency ${dev} is not in the image`);
    }
    assert.ok(!lines.includes('@types'), 'no @types in the image');
  });

  it('tunnels TCP and HTTP between a server and a client container; an open stream outlives the server drain; both stop on SIGTERM at once', async () => {
    const tokenDir = join(work, 'token');
    mkdirSync(tokenDir);
    writeFileSync(join(tokenDir, 'token'), `${token}\n`);
    chmodSync(tokenDir, 0o755);
    chmodSync(join(tokenDir, 'token'), 0o644);

    const echo = await echoServer();
    const marker = randomBytes(8).toString('hex');
    const web = await webServer(marker);
    servers.push(echo.server, web.server);
    const [controlPort, httpPort, serverAdmin, clientAdmin, tunnelPort] = await freePorts(5) as [number, number, number, number, number];

    const serverArgs = await chartArgs('adit-server', [
      `controlPort=${controlPort}`,
      `httpPort=${httpPort}`,
      `adminPort=${serverAdmin}`,
      `allowPorts=${tunnelPort}`,
      'drainTimeoutSeconds=5',
    ]);
    await podman.runDetached(SERVER, hardened(tokenDir), IMAGE, serverArgs);
    await waitFor200(serverAdmin, '/readyz', 30_000);

    const clientArgs = await chartArgs('adit-client', [
      `url=ws://127.0.0.1:${controlPort}/tunnel`,
      'insecure=true', // plain ws:// on loopback; the chart refuses ws:// without it
      `adminPort=${clientAdmin}`,
      `upstreams[0].match=tcp:${tunnelPort}`,
      `upstreams[0].target=127.0.0.1:${echo.port}`,
      'upstreams[1].match=demo.example.com',
      `upstreams[1].target=http://127.0.0.1:${web.port}`,
    ]);
    await podman.runDetached(CLIENT, hardened(tokenDir), IMAGE, clientArgs);
    try {
      await waitFor200(clientAdmin, '/readyz', 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nclient logs:\n${await podman.logs(CLIENT)}\nserver logs:\n${await podman.logs(SERVER)}`, { cause: err });
    }

    // TCP: 1 MiB out and back through server listener -> tunnel -> client -> echo.
    const payload = randomBytes(1 << 20);
    const back = await tcpRoundTrip(tunnelPort, payload);
    assert.equal(back.length, payload.length);
    assert.ok(back.equals(payload), 'echoed bytes match');

    // HTTP by Host through the server's router to the client's HTTP upstream.
    const res = await httpGet(httpPort, `/hello?x=${marker}`, { Host: 'demo.example.com' });
    assert.equal(res.status, 200, res.body);
    const seen = JSON.parse(res.body) as { marker: string; url: string };
    assert.equal(seen.marker, marker);
    assert.equal(seen.url, `/hello?x=${marker}`);
    const unknown = await httpGet(httpPort, '/', { Host: 'nobody.example.com' });
    assert.ok(unknown.status >= 400, `unrouted Host answered ${unknown.status}`);

    // SIGTERM to the server while a stream is open: it drains (GOAWAY) and the
    // open stream keeps carrying data both ways until it ends, then the server exits 0.
    const held = await HeldConnection.open(tunnelPort);
    try {
      await held.roundTrip(Buffer.from('before SIGTERM'));
      const t0 = Date.now();
      const stopping = podman.cmd(['stop', '-t', String(KILL_AFTER_S), SERVER], (KILL_AFTER_S + 30) * 1000);
      await waitForLog(podman, SERVER, /SIGTERM/, 10_000);
      await held.roundTrip(randomBytes(256 << 10));
      held.end();
      await held.closed;
      await stopping;
      await checkStopped(podman, SERVER, Date.now() - t0, 'server (one stream open, finished during the drain)');
    } finally {
      held.destroy();
    }

    // The client, now without a server, stops as promptly.
    const t1 = Date.now();
    await podman.cmd(['stop', '-t', String(KILL_AFTER_S), CLIENT], (KILL_AFTER_S + 30) * 1000);
    await checkStopped(podman, CLIENT, Date.now() - t1, 'client');
  });
});
