import { spawn } from 'node:child_process';

export interface RunResult { code: number | null; stdout: string; stderr: string; timedOut?: boolean }

export interface RunOptions {
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  stdin?: string;
  cwd?: string;
}

/** Runs a command to completion, bounded in time (killed after timeoutMs, timedOut set). Never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { timeoutMs = 10_000, stdin, cwd } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
    });
    if (stdin !== undefined) {
      child.stdin!.on('error', () => {}); // the child may exit before reading everything
      child.stdin!.end(stdin);
    }
  });
}
