import { ConfigError } from './errors.js';
import { LOG_LEVELS } from './logger.js';
import { loadConfigFile, resolveValues, type OptionSpec, type Resolved } from './options.js';

/** Settings both server and client have. */
export const COMMON_SPECS: OptionSpec[] = [
  { key: 'config', type: 'string', arg: 'file', description: 'YAML config file (camelCase keys; flags and env override it)', env: 'ADIT_CONFIG' },
  { key: 'logLevel', type: 'string', arg: 'level', description: 'fatal|error|warn|info|debug|trace|silent', default: 'info' },
  { key: 'logFormat', type: 'string', arg: 'format', description: 'json|pretty (default: pretty on a terminal, else json)' },
  { key: 'keepaliveInterval', type: 'duration', arg: 'duration', description: 'ping the peer after this much silence', default: '10s' },
  { key: 'sessionMemory', type: 'size', arg: 'bytes', description: 'receive buffers one tunnel session may hold in all (e.g. 256MiB)', default: '256MiB' },
  { key: 'keepaliveTimeout', type: 'duration', arg: 'duration', description: 'declare the peer dead after this much silence', default: '30s' },
];

/** Flags > environment > config file > defaults, then the checks every command shares. */
export function resolveCommandValues(specs: OptionSpec[], flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Resolved {
  const configPath = (flags.config as string | undefined) ?? env.ADIT_CONFIG;
  const file = configPath ? loadConfigFile(configPath, specs) : {};
  const values = resolveValues(specs, flags, env, file, configPath);
  checkCommon(values);
  return values;
}

export function checkCommon(v: Resolved): void {
  if (!LOG_LEVELS.includes(v.logLevel as string)) throw new ConfigError(`invalid value "${String(v.logLevel)}" for logLevel: expected one of ${LOG_LEVELS.join(', ')}`);
  if (v.logFormat !== undefined && v.logFormat !== 'json' && v.logFormat !== 'pretty') throw new ConfigError(`invalid value "${String(v.logFormat)}" for logFormat: expected json or pretty`);
  if (v.maxStreams !== undefined && (v.maxStreams as number) < 1) throw new ConfigError(`invalid value ${String(v.maxStreams)} for maxStreams: at least 1`);
  if ((v.sessionMemory as number) < 1024 * 1024) throw new ConfigError(`invalid value ${String(v.sessionMemory)} for sessionMemory: at least 1MiB`);
  if ((v.keepaliveInterval as number) > 0 && (v.keepaliveTimeout as number) <= (v.keepaliveInterval as number)) {
    throw new ConfigError('keepaliveTimeout must be longer than keepaliveInterval');
  }
}
