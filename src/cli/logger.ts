import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

// pino-pretty is loaded only for a terminal: it costs megabytes a pod never uses.
const requireLazy = createRequire(import.meta.url);

export type LogFormat = 'json' | 'pretty';

/** Paths pino censors, should a token ever reach a log call by mistake. */
export const REDACT = ['token', 'tokens', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization'];

/** JSON lines to stdout, or a human format (default on a terminal). Tokens are redacted. */
export function createLogger(level: string, format: LogFormat | undefined, name = 'adit'): Logger {
  const useFormat = format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const opts = { name, level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (useFormat === 'pretty') {
    const pretty = requireLazy('pino-pretty') as typeof PinoPretty;
    return pino(opts, pretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', sync: true }));
  }
  return pino(opts, pino.destination({ fd: 1, sync: true }));
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
