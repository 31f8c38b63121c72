/** What the numbers were measured on: goes into the JSON and the docs. */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { run } from './procs.js';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  tools: Record<string, string>;
  aditCommit: string;
  date: string;
  /** 1/5/15-minute load averages when the run started: other work on the machine skews every figure. */
  loadAtStart: number[];
}

async function firstLine(cmd: string, args: string[], pick = 0): Promise<string> {
  const r = await run(cmd, args, 10_000);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[pick] ?? `unavailable (${r.code})`;
}

export async function describeMachine(): Promise<Machine> {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux
  }
  const repo = { cwd: new URL('../..', import.meta.url).pathname };
  const git = await run('git', ['rev-parse', '--short', 'HEAD'], 5000, repo);
  // dist/ is built from the working tree: say when it differs from the commit.
  const dirty = await run('git', ['status', '--porcelain', '--', 'src'], 5000, repo);
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    tools: {
      iperf3: await firstLine('iperf3', ['--version']),
      socat: await firstLine('socat', ['-V'], 1),
      ssh: await firstLine('ssh', ['-V']),
      wrk: await firstLine('wrk', ['-v']),
      nginx: await firstLine('nginx', ['-v']),
      openssl: await firstLine('openssl', ['version']),
    },
    aditCommit: (git.stdout.trim() || 'unknown') + (dirty.stdout.trim() ? ' + uncommitted changes in src/' : ''),
    date: new Date().toISOString(),
    loadAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
