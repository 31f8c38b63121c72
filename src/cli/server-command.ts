import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AditServer, PortSet, TokenSet, parseAccessFile, readTokenFile, type ServerOptions } from '../server/index.js';
import { COMMON_SPECS, resolveCommandValues } from './common-options.js';
import { ConfigError } from './errors.js';
import { createLogger, type LogFormat } from './logger.js';
import { registerOptions, type OptionSpec, type Resolved } from './options.js';
import { runUntilSignal } from './lifecycle.js';
import { tuneRelayProcess } from './relay-tuning.js';

export const SERVER_SPECS: OptionSpec[] = [
  { key: 'controlAddr', type: 'string', arg: 'addr', description: 'address of the control (WebSocket) listener', default: '0.0.0.0' },
  { key: 'controlPort', type: 'port', arg: 'port', description: 'control port', default: 8123 },
  { key: 'controlPath', type: 'string', arg: 'path', description: 'HTTP path of the WebSocket upgrade', default: '/tunnel' },
  { key: 'dataAddr', type: 'string', arg: 'addr', description: 'address the TCP listeners and the HTTP port bind to', default: '0.0.0.0' },
  { key: 'port', type: 'port', arg: 'port', description: 'HTTP port routed by Host (0 = off)', default: 8000 },
  { key: 'allowPorts', type: 'string', arg: 'list', description: 'TCP ports clients may claim: ports and ranges, comma separated', default: '1024-65535' },
  { key: 'token', type: 'list', arg: 'token', description: 'accepted token (repeatable)', secret: true },
  { key: 'tokenFile', type: 'string', arg: 'file', description: 'file of accepted tokens, one per line', aliases: ['token-from'] },
  { key: 'accessFile', type: 'string', arg: 'file', description: 'YAML file of tokens with per-token port and host limits' },
  { key: 'tlsCert', type: 'string', arg: 'file', description: 'serve wss on the control port with this certificate (reloaded on change)' },
  { key: 'tlsKey', type: 'string', arg: 'file', description: 'private key for --tls-cert' },
  { key: 'reloadInterval', type: 'duration', arg: 'duration', description: 'how often to check the TLS, token and access files for changes', default: '10s' },
  { key: 'adminAddr', type: 'string', arg: 'addr', description: 'address of the admin listener (/healthz /readyz /metrics /status)', default: '0.0.0.0' },
  { key: 'adminPort', type: 'port', arg: 'port', description: 'admin port', default: 9090 },
  { key: 'drainTimeout', type: 'duration', arg: 'duration', description: 'on SIGTERM, wait this long for open streams', default: '30s' },
  { key: 'headersTimeout', type: 'duration', arg: 'duration', description: 'HTTP port: time allowed for a request head', default: '20s' },
  { key: 'requestTimeout', type: 'duration', arg: 'duration', description: 'HTTP port: time allowed for a whole request body', default: '5m' },
  { key: 'maxHeaderSize', type: 'int', arg: 'bytes', description: 'HTTP port: largest request head', default: 16384 },
  { key: 'maxStreams', type: 'int', arg: 'n', description: 'streams one client may have open at once', default: 16384 },
  { key: 'helloTimeout', type: 'duration', arg: 'duration', description: 'a client must send its HELLO within this long', default: '10s' },
  { key: 'disableTransportWrapping', type: 'bool', description: 'inlets compatibility: accepted, no effect (adit never rewrites HTTP)', env: false },
  { key: 'printToken', type: 'bool', description: 'inlets compatibility: accepted, no effect (adit never prints tokens)', env: false },
  ...COMMON_SPECS,
];

export function registerServerCommand(program: Command): void {
  const cmd = program.command('server').description('run the tunnel server (the routable side)');
  registerOptions(cmd, SERVER_SPECS);
  cmd.action(async (flags: Record<string, unknown>) => {
    const values = resolveServerValues(flags, process.env);
    const logger = createLogger(values.logLevel as string, values.logFormat as LogFormat | undefined, 'adit-server');
    tuneRelayProcess(logger);
    const options = buildServerOptions(values, logger);
    const server = new AditServer(options);
    await server.start();
    await runUntilSignal(logger, () => server.close());
  });
}

export function resolveServerValues(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Resolved {
  return resolveCommandValues(SERVER_SPECS, flags, env);
}


/** Turns resolved values into ServerOptions: reads token files, the access file and TLS paths, and checks they fit together. */
/** Every accepted token from flags, the token file and the access file. Throws ConfigError on unusable files. */
export function loadTokens(v: Resolved): TokenSet {
  const tokens = new TokenSet();
  for (const t of (v.token as string[] | undefined) ?? []) tokens.add(t);
  if (v.tokenFile) {
    let list: string[];
    try {
      list = readTokenFile(v.tokenFile as string);
    } catch (err) {
      throw new ConfigError(`cannot read tokenFile ${String(v.tokenFile)}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    if (list.length === 0) throw new ConfigError(`tokenFile ${String(v.tokenFile)} holds no token`);
    for (const t of list) tokens.add(t);
  }
  if (v.accessFile) {
    try {
      for (const e of parseAccessFile(v.accessFile as string)) {
        for (const [i, t] of e.tokens.entries()) tokens.add(t, { label: e.name ? (e.tokens.length > 1 ? `${e.name}#${i + 1}` : e.name) : undefined, limits: e.limits });
      }
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  if (tokens.size === 0) throw new ConfigError('no token configured: give --token, --token-file, --access-file or ADIT_TOKEN');
  return tokens;
}

export function buildServerOptions(v: Resolved, logger: ServerOptions['logger']): ServerOptions {
  const tokens = loadTokens(v);
  const tokenFiles = [v.tokenFile, v.accessFile].filter((f): f is string => typeof f === 'string');
  let allowPorts: PortSet;
  try {
    allowPorts = PortSet.parse(v.allowPorts as string);
  } catch (err) {
    throw new ConfigError(`invalid value "${String(v.allowPorts)}" for allowPorts: ${(err as Error).message}`);
  }
  if (Boolean(v.tlsCert) !== Boolean(v.tlsKey)) throw new ConfigError('tlsCert and tlsKey must be given together');
  for (const key of ['tlsCert', 'tlsKey'] as const) {
    if (!v[key]) continue;
    try {
      readFileSync(v[key] as string);
    } catch (err) {
      throw new ConfigError(`cannot read ${key} ${String(v[key])}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  const path = v.controlPath as string;
  if (!path.startsWith('/')) throw new ConfigError(`invalid value "${path}" for controlPath: must start with /`);
  return {
    controlAddr: v.controlAddr as string,
    controlPort: v.controlPort as number,
    controlPath: path,
    dataAddr: v.dataAddr as string,
    httpPort: v.port as number,
    allowPorts,
    tokens,
    // Rotated Secrets are rewritten in place: pick the new tokens up without a restart.
    ...(tokenFiles.length ? { tokenSource: { files: tokenFiles, load: () => loadTokens(v), interval: v.reloadInterval as number } } : {}),
    ...(v.tlsCert ? { tls: { certFile: v.tlsCert as string, keyFile: v.tlsKey as string, reloadInterval: v.reloadInterval as number } } : {}),
    adminAddr: v.adminAddr as string,
    adminPort: v.adminPort as number,
    drainTimeout: v.drainTimeout as number,
    keepaliveInterval: v.keepaliveInterval as number,
    keepaliveTimeout: v.keepaliveTimeout as number,
    headersTimeout: v.headersTimeout as number,
    requestTimeout: v.requestTimeout as number,
    maxHeaderSize: v.maxHeaderSize as number,
    maxStreams: v.maxStreams as number,
    helloTimeout: v.helloTimeout as number,
    sessionMemory: v.sessionMemory as number,
    logger,
  };
}
