import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { run as runCommand, type RunResult } from '../helpers/run.js';

export type { RunResult } from '../helpers/run.js';

/** Runs a short command to completion, bounded in time. Never throws on a non-zero exit. */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<RunResult> {
  return runCommand(cmd, args, { timeoutMs });
}

/** Runs a command and throws with its stderr when it fails. */
export async function must(cmd: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `ip netns exec` replaces itself with the command, so the child's pid is the command's own pid (kill -9 hits it). */
export function spawnInNetns(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function runInNetns(ns: string, cmd: string, args: string[], timeoutMs?: number): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
}

export function mustInNetns(ns: string, cmd: string, args: string[], timeoutMs?: number): Promise<string> {
  return must('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
}
