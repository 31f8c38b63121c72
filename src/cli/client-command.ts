import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { AditClient, parseUpstreams, type ClientOptions, type Upstream } from '../client/index.js';
import { createAdminServer } from '../server/admin.js';
import { hostPort, listen } from '../server/listen.js';
import { COMMON_SPECS, resolveCommandValues } from './common-options.js';
import { ConfigError } from './errors.js';
import { CLIENT_ID_RULE, isValidClientId } from '../protocol/hello.js';
import { createLogger, type LogFormat } from './logger.js';
import { registerOptions, type OptionSpec, type Resolved } from './options.js';
import { runUntilSignal } from './lifecycle.js';
import { VERSION } from './version.js';
import { tuneRelayProcess } from './relay-tuning.js';

export const CLIENT_SPECS: OptionSpec[] = [
  { key: 'url', type: 'string', arg: 'url', description: 'server control URL, ws(s)://host[:port][/path] (path defaults to /tunnel)' },
  { key: 'token', type: 'string', arg: 'token', description: 'token to present', secret: true },
  { key: 'tokenFile', type: 'string', arg: 'file', description: 'file holding the token (first line)', aliases: ['token-from'] },
  { key: 'id', type: 'string', arg: 'id', description: 'stable client id (default: POD_NAME, else the host name)' },
  { key: 'upstream', type: 'list', arg: 'spec', description: 'upstream (repeatable, comma lists): tcp:PORT=host:port, host=http://target, or a bare default target' },
  { key: 'strictForwarding', type: 'bool', description: 'dial only declared targets (--strict-forwarding=false to allow others)', default: true },
  { key: 'insecure', type: 'bool', description: 'allow plain ws:// to a non-loopback server', default: false },
  { key: 'caFile', type: 'string', arg: 'file', description: 'CA certificates (PEM) to trust for wss; https upstreams trust them besides the usual roots' },
  { key: 'tlsServerName', type: 'string', arg: 'name', description: 'TLS server name to send and verify (default: the URL host)' },
  { key: 'adminAddr', type: 'string', arg: 'addr', description: 'address of the admin listener (/healthz /readyz /metrics)', default: '0.0.0.0' },
  { key: 'adminPort', type: 'port', arg: 'port', description: 'admin port', default: 9091 },
  { key: 'dialTimeout', type: 'duration', arg: 'duration', description: 'give up dialling an upstream after this long', default: '10s' },
  { key: 'reconnectMin', type: 'duration', arg: 'duration', description: 'first reconnect delay', default: '250ms' },
  { key: 'reconnectMax', type: 'duration', arg: 'duration', description: 'longest reconnect delay (short, so a returning server gets its tunnels back within 2 s)', default: '1500ms' },
  { key: 'maxStreams', type: 'int', arg: 'n', description: 'streams the server may have open to this client at once', default: 16384 },
  { key: 'drainTimeout', type: 'duration', arg: 'duration', description: 'on SIGTERM, wait this long for open streams', default: '10s' },
  { key: 'printToken', type: 'bool', description: 'inlets compatibility: accepted, no effect (adit never prints tokens)', env: false },
  ...COMMON_SPECS,
];

export function resolveClientValues(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Resolved {
  return resolveCommandValues(CLIENT_SPECS, flags, env);
}

/** The settings that define a client, minus the logger: what the inlets-form tests compare. */
export function buildClientConfig(v: Resolved, env: NodeJS.ProcessEnv): Omit<ClientOptions, 'logger'> {
  if (!v.url) throw new ConfigError('url is required (--url ws(s)://host[:port][/path])');
  let token = v.token as string | undefined;
  if (!token && v.tokenFile) {
    try {
      token = readFileSync(v.tokenFile as string, 'utf8').split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    } catch (err) {
      throw new ConfigError(`cannot read tokenFile ${String(v.tokenFile)}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    if (!token) throw new ConfigError(`tokenFile ${String(v.tokenFile)} holds no token`);
  }
  if (!token) throw new ConfigError('no token: give --token, --token-file or ADIT_TOKEN');
  const specs = (v.upstream as string[] | undefined) ?? [];
  if (specs.length === 0) throw new ConfigError('at least one --upstream is required');
  let upstreams: Upstream[];
  try {
    upstreams = parseUpstreams(specs);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  let ca: Buffer | undefined;
  if (v.caFile) {
    try {
      ca = readFileSync(v.caFile as string);
    } catch (err) {
      throw new ConfigError(`cannot read caFile ${String(v.caFile)}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  const id = (v.id as string | undefined) ?? env.POD_NAME ?? hostname();
  // The server would refuse it on every reconnect; say so once, before dialling.
  if (!isValidClientId(id)) throw new ConfigError(`invalid value "${id}" for id: expected ${CLIENT_ID_RULE}`);
  return {
    url: v.url as string,
    token,
    id,
    upstreams,
    strictForwarding: v.strictForwarding as boolean,
    insecure: v.insecure as boolean,
    ...(ca ? { ca } : {}),
    ...(v.tlsServerName ? { tlsServerName: v.tlsServerName as string } : {}),
    dialTimeout: v.dialTimeout as number,
    keepaliveInterval: v.keepaliveInterval as number,
    keepaliveTimeout: v.keepaliveTimeout as number,
    backoffMin: v.reconnectMin as number,
    backoffMax: v.reconnectMax as number,
    maxStreams: v.maxStreams as number,
    sessionMemory: v.sessionMemory as number,
  };
}

export function registerClientCommand(program: Command): void {
  const cmd = program.command('client').description('run the tunnel client (the side behind NAT)');
  registerOptions(cmd, CLIENT_SPECS);
  cmd.action(async (flags: Record<string, unknown>) => {
    const values = resolveClientValues(flags, process.env);
    const config = buildClientConfig(values, process.env);
    const logger = createLogger(values.logLevel as string, values.logFormat as LogFormat | undefined, 'adit-client');
    tuneRelayProcess(logger);
    let client: AditClient;
    try {
      client = new AditClient({ ...config, logger, version: VERSION });
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    const admin = createAdminServer({ ready: () => client.ready, notReadyReason: () => client.notReadyReason(), registry: client.metrics.registry });
    const adminAddr = hostPort(values.adminAddr as string, await listen(admin, values.adminAddr as string, values.adminPort as number));
    logger.info({ admin: adminAddr, id: config.id, upstreams: config.upstreams.length, strictForwarding: config.strictForwarding }, 'adit client starting');
    client.start();
    await runUntilSignal(logger, async () => {
      await client.close(values.drainTimeout as number);
      admin.close();
    });
  });
}
