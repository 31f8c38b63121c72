import type { OptionSpec } from './options.js';

/** Settings both server and client have. */
export const COMMON_SPECS: OptionSpec[] = [
  { key: 'config', type: 'string', arg: 'file', description: 'YAML config file (camelCase keys; flags and env override it)', env: 'ADIT_CONFIG' },
  { key: 'logLevel', type: 'string', arg: 'level', description: 'fatal|error|warn|info|debug|trace|silent', default: 'info' },
  { key: 'logFormat', type: 'string', arg: 'format', description: 'json|pretty (default: pretty on a terminal, else json)' },
  { key: 'keepaliveInterval', type: 'duration', arg: 'duration', description: 'ping the peer after this much silence', default: '10s' },
  { key: 'sessionMemory', type: 'size', arg: 'bytes', description: 'receive buffers one tunnel session may hold in all (e.g. 256MiB)', default: '256MiB' },
  { key: 'keepaliveTimeout', type: 'duration', arg: 'duration', description: 'declare the peer dead after this much silence', default: '30s' },
];
