#!/usr/bin/env node
/**
 * The adit binary (also installed as `inlets`, which takes the same commands
 * and the cubed-it inlets flags). Exit codes: 0 ok, 1 runtime failure,
 * 2 usage or configuration error.
 */
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerClientCommand } from './client-command.js';
import { registerDemoCommand } from './demo-command.js';
import { ConfigError, ExitCode } from './errors.js';
import { registerLinkCommand } from './link-command.js';
import { registerServerCommand } from './server-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerTokenCommand } from './token-command.js';
import { VERSION } from './version.js';

const name = basename(process.argv[1] ?? 'adit').replace(/\.js$/, '') === 'inlets' ? 'inlets' : 'adit';
const program = new Command(name)
  .description('adit: a self-hosted reverse tunnel for Kubernetes (TCP and HTTP over one outbound WebSocket)')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();
registerServerCommand(program);
registerClientCommand(program);
registerTokenCommand(program);
registerStatusCommand(program);
registerDemoCommand(program);
registerLinkCommand(program);
for (const c of program.commands) c.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are successes; everything commander rejects is a usage error.
    process.exit(err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${name}: ${err.message}\n`);
    process.exit(ExitCode.USAGE);
  }
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(`${name}: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exit(ExitCode.RUNTIME);
}
