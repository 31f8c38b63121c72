/**
 * Runs the real `adit` binary inside a namespace of a NatTopology and follows
 * its JSON logs, like test/helpers/adit.ts does on loopback.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { MAIN } from '../helpers/adit.js';
import type { NatTopology, Place } from './topology.js';

export type LogLine = Record<string, unknown> & { msg?: string; time?: number };

export interface NsAdit {
  proc: ChildProcess;
  logs: LogLine[];
  output(): string;
  waitLog(match: (l: LogLine) => boolean, timeoutMs?: number, after?: number): Promise<LogLine>;
  exited: Promise<void>;
}

/** Starts `node main.js ...args` in `place`. `after` in waitLog only matches lines logged at or after that epoch ms. */
export function spawnAditIn(topo: NatTopology, place: Place, args: string[]): NsAdit {
  const proc = topo.spawn(place, process.execPath, [MAIN, ...args, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  let raw = '';
  let buf = '';
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let l: LogLine;
      try {
        l = JSON.parse(line) as LogLine;
      } catch {
        l = { msg: line };
      }
      logs.push(l);
      for (const w of [...waiters]) if (w.match(l)) { waiters.delete(w); w.resolve(l); }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (raw += c));
  const exited = once(proc, 'exit').then(() => undefined);
  return {
    proc,
    logs,
    output: () => raw,
    exited,
    waitLog(match, timeoutMs = 10_000, after = 0) {
      const m = (l: LogLine): boolean => (l.time ?? 0) >= after && match(l);
      const found = logs.find(m);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match: m, resolve: (l: LogLine) => { clearTimeout(timer); resolve(l); } };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching log line within ${timeoutMs} ms in ${place}; output:\n${raw.slice(-3000)}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}
