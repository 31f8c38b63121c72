import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/** Paths pino censors, should a token ever reach a log call by mistake. */
export const REDACT = ['token', 'tokens', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization'];

/** JSON lines to stdout, or a human format (default on a terminal). Tokens are redacted. */
export function createLogger(level: string, format: LogFormat | undefined, name = 'adit'): Logger {
  const useFormat = format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const opts = { name, level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (useFormat === 'pretty') {
    return pino(opts, pretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', sync: true }));
  }
  return pino(opts, pino.destination({ fd: 1, sync: true }));
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
