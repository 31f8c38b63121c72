#!/usr/bin/env node
/**
 * The adit binary (also installed as `inlets`, which takes the same commands
 * and the cubed-it inlets flags). Exit codes: 0 ok, 1 runtime failure,
 * 2 usage or configuration error.
 */
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, ExitCode } from './errors.js';
import { VERSION } from './version.js';

/**
 * Commands load on demand: a server pod should not carry the client, the demo
 * or the Linkerd tooling in memory. `adit --help` loads them all to list them.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  server: async () => (await import('./server-command.js')).registerServerCommand,
  client: async () => (await import('./client-command.js')).registerClientCommand,
  token: async () => (await import('./token-command.js')).registerTokenCommand,
  status: async () => (await import('./status-command.js')).registerStatusCommand,
  demo: async () => (await import('./demo-command.js')).registerDemoCommand,
  link: async () => (await import('./link-command.js')).registerLinkCommand,
};

const name = basename(process.argv[1] ?? 'adit').replace(/\.js$/, '') === 'inlets' ? 'inlets' : 'adit';
const program = new Command(name)
  .description('adit: a self-hosted reverse tunnel for Kubernetes (TCP and HTTP over one outbound WebSocket)')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError();
const asked = process.argv[2] ?? '';
for (const name of asked in COMMANDS ? [asked] : Object.keys(COMMANDS)) (await COMMANDS[name]!())(program);
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
