import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { buildClientConfig, CLIENT_SPECS, resolveClientValues } from '../../src/cli/client-command.js';
import { parseDuration } from '../../src/cli/duration.js';
import { ConfigError } from '../../src/cli/errors.js';
import { registerOptions } from '../../src/cli/options.js';
import { buildServerOptions, resolveServerValues, SERVER_SPECS } from '../../src/cli/server-command.js';
import { pino } from 'pino';

const dir = mkdtempSync(join(tmpdir(), 'adit-cli-'));
const silent = pino({ level: 'silent' });

function flags(specs: typeof CLIENT_SPECS, argv: string[]): Record<string, unknown> {
  const cmd = new Command('x').exitOverride();
  registerOptions(cmd, specs);
  cmd.parse(argv, { from: 'user' });
  return cmd.opts();
}

function clientConfig(argv: string[], env: NodeJS.ProcessEnv = {}) {
  return buildClientConfig(resolveClientValues(flags(CLIENT_SPECS, argv), env), env);
}

function serverConfig(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const o = buildServerOptions(resolveServerValues(flags(SERVER_SPECS, argv), env), silent);
  // Compare what the options mean, not object identity.
  return { ...o, logger: undefined, tokens: o.tokens.size, allowPorts: o.allowPorts.toString(), tokenSource: o.tokenSource?.files };
}

describe('durations', () => {
  it('reads Go-style durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('30'), undefined);
    assert.equal(parseDuration('3 s'), undefined);
  });
});

describe('config precedence and validation', () => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, 'controlPort: 9001\nport: 9002\ndrainTimeout: 1m\ntoken: [from-file]\nallowPorts: "7000-7100"\n');

  it('flags > environment > config file > defaults', () => {
    const fromFile = serverConfig(['--config', file]);
    assert.equal(fromFile.controlPort, 9001);
    assert.equal(fromFile.httpPort, 9002);
    assert.equal(fromFile.drainTimeout, 60_000);
    assert.equal(fromFile.allowPorts, '7000-7100');
    assert.equal(fromFile.adminPort, 9090, 'default');
    const fromEnv = serverConfig(['--config', file], { ADIT_CONTROL_PORT: '9101', ADIT_DRAIN_TIMEOUT: '5s' });
    assert.equal(fromEnv.controlPort, 9101);
    assert.equal(fromEnv.drainTimeout, 5_000);
    assert.equal(fromEnv.httpPort, 9002);
    const fromFlag = serverConfig(['--config', file, '--control-port', '9201'], { ADIT_CONTROL_PORT: '9101' });
    assert.equal(fromFlag.controlPort, 9201);
  });

  it('names the key, the value and where it came from', () => {
    assert.throws(() => serverConfig(['--token', 't', '--control-port', 'eighty']), (e: Error) => e instanceof ConfigError && /"eighty"/.test(e.message) && /controlPort/.test(e.message) && /--control-port/.test(e.message));
    assert.throws(() => serverConfig(['--token', 't'], { ADIT_DRAIN_TIMEOUT: '30' }), (e: Error) => /"30"/.test(e.message) && /drainTimeout/.test(e.message) && /ADIT_DRAIN_TIMEOUT/.test(e.message));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'contrlPort: 1\n');
    assert.throws(() => serverConfig(['--config', bad]), /unknown key "contrlPort"/);
    writeFileSync(bad, 'keepaliveInterval: fast\n');
    assert.throws(() => serverConfig(['--config', bad, '--token', 't']), (e: Error) => /"fast"/.test(e.message) && /keepaliveInterval/.test(e.message) && /bad\.yaml/.test(e.message));
    assert.throws(() => serverConfig(['--allow-ports', '1-2-3', '--token', 't']), /allowPorts/);
    assert.throws(() => serverConfig([]), /no token/);
    assert.equal(serverConfig(['--token', 't', '--session-memory', '64MiB']).sessionMemory, 64 * 1024 * 1024);
    assert.equal(serverConfig(['--token', 't'], { ADIT_SESSION_MEMORY: '2000000' }).sessionMemory, 2_000_000);
    assert.throws(() => serverConfig(['--token', 't', '--session-memory', 'lots']), /"lots" for sessionMemory/);
    assert.throws(() => serverConfig(['--token', 't', '--session-memory', '64KiB']), /sessionMemory: at least 1MiB/);
    assert.throws(() => serverConfig(['--token', 't', '--max-streams', '0']), /maxStreams: at least 1/);
    assert.throws(() => clientConfig(['--url', 'ws://127.0.0.1:1', '--token', 't', '--upstream', 'tcp:1=a:1', '--max-streams', '0']), /maxStreams: at least 1/);
    assert.throws(() => serverConfig(['--token', 't', '--tls-cert', join(dir, 'missing.crt'), '--tls-key', join(dir, 'missing.key')]), /cannot read tlsCert .*missing\.crt: ENOENT/);
    assert.throws(() => serverConfig(['--token', 't', '--tls-cert', file]), /given together/);
  });

  it('client upstreams from a YAML list, the environment (comma list) or flags, flags first', () => {
    const f = join(dir, 'client.yaml');
    writeFileSync(f, 'url: wss://tunnel.example.com\ntoken: file-token\nupstream:\n  - tcp:6143=gw:4143\n  - demo.example.com=http://web:80\ndialTimeout: 3s\nstrictForwarding: false\n');
    const fromFile = clientConfig(['--config', f]);
    assert.equal(fromFile.upstreams.length, 2);
    assert.equal(fromFile.dialTimeout, 3000);
    assert.equal(fromFile.strictForwarding, false);
    assert.equal(fromFile.token, 'file-token');
    const fromEnv = clientConfig(['--config', f], { ADIT_UPSTREAM: 'tcp:1=a:1,tcp:2=a:2,tcp:3=a:3', ADIT_STRICT_FORWARDING: 'true' });
    assert.equal(fromEnv.upstreams.length, 3);
    assert.equal(fromEnv.strictForwarding, true);
    assert.equal(clientConfig(['--config', f, '--upstream', 'tcp:9=a:9'], { ADIT_UPSTREAM: 'tcp:1=a:1' }).upstreams.length, 1);
    assert.equal(clientConfig(['--config', f], { POD_NAME: 'adit-client-7d9f' }).id, 'adit-client-7d9f');
  });

  it('never echoes a token in an error', () => {
    assert.throws(() => clientConfig(['--url', 'ws://127.0.0.1:1', '--token', 's3cr3t-value', '--upstream', 'tcp:1']), (e: Error) => !e.message.includes('s3cr3t-value'));
  });
});

describe('inlets flag forms parse to the same configuration as adit forms', () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'the-token\n');

  it('client', () => {
    const inlets = clientConfig([
      '--url=ws://127.0.0.1:8123', '--token-from=' + tokenFile,
      '--upstream=tcp:6143=gw:4143,tcp:7000=db:8800-8801,demo.example.com=http://web:80,http://fallback:8080',
      '--strict-forwarding', '--insecure', '--print-token=false', '--id', 'home',
    ]);
    const adit = clientConfig([
      '--url', 'ws://127.0.0.1:8123', '--token-file', tokenFile,
      '--upstream', 'tcp:6143=gw:4143', '--upstream', 'tcp:7000-7001=db:8800-8801', '--upstream', 'demo.example.com=http://web:80', '--upstream', 'fallback:8080',
      '--strict-forwarding=true', '--insecure=true', '--id', 'home',
    ]);
    assert.deepEqual(inlets, adit);
    assert.equal(inlets.token, 'the-token');
    assert.equal(inlets.upstreams.length, 5);
    assert.equal(clientConfig(['--url=ws://127.0.0.1:1', '--token=t', '--upstream=tcp:1=a:1', '--strict-forwarding=false']).strictForwarding, false);
    assert.deepEqual(clientConfig(['--url=ws://127.0.0.1:1', '--upstream=tcp:1=a:1'], { ADIT_TOKEN: 'env-token' }).token, 'env-token');
  });

  it('server', () => {
    const inlets = serverConfig(['--port=8000', '--control-port=8001', '--token-from=' + tokenFile, '--disable-transport-wrapping']);
    const adit = serverConfig(['--port', '8000', '--control-port', '8001', '--token-file', tokenFile]);
    assert.deepEqual(inlets, adit);
    assert.equal(serverConfig(['--token=a', '--token=b']).tokens, 2);
  });
});

describe('client id', () => {
  it('refuses an id the server would refuse, before dialling', () => {
    const argv = ['--url', 'ws://127.0.0.1:1/tunnel', '--token', 'abcdefghijklmnopqrstuvwxyz', '--upstream', 'tcp:7000=127.0.0.1:1'];
    assert.throws(() => clientConfig([...argv, '--id', 'bad id']), (e: unknown) => e instanceof ConfigError && /invalid value "bad id" for id/.test(e.message));
    assert.equal(clientConfig([...argv, '--id', 'home-cluster.a1']).id, 'home-cluster.a1');
  });
});
