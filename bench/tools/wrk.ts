/** wrk against nginx through a participant: requests/s and p99 latency. */
import { run } from '../procs.js';

export interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

export async function runWrk(port: number, seconds: number, connections: number, host?: string): Promise<WrkResult> {
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '5s'];
  if (host) args.push('-H', `Host: ${host}`);
  args.push(`http://127.0.0.1:${port}/`);
  const r = await run('wrk', args, seconds * 1000 + 30_000);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)\b/.exec(r.stdout);
  if (r.code !== 0 || !rps || !p99) throw new Error(`wrk failed (exit ${r.code}): ${(r.stderr || r.stdout).slice(-400)}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const errors = (non2xx ? Number(non2xx[1]) : 0) + (sockErr ? sockErr.slice(1).reduce((s, x) => s + Number(x), 0) : 0);
  if (errors > 0 && Number(rps[1]) * seconds < errors * 2) throw new Error(`wrk: mostly errors (${errors}): ${r.stdout.slice(-300)}`);
  return { rps: Number(rps[1]), p99Ms: Number(p99[1]) * UNIT_MS[p99[2]], errors };
}
