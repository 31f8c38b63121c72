import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';

/** 32 random bytes, base64url: 256 bits, safe in headers, YAML and shell without quoting. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print a new strong random token')
    .action(() => {
      process.stdout.write(`${newToken()}\n`);
    });
}
