/** RSS of a participant's server and client processes (sshd's whole tree: its session lives in a child). */
import { processTree, rssBytes } from '../procs.js';
import type { Watched } from '../participants/types.js';

export type Role = 'server' | 'client';

export interface RssProbe {
  read(): Record<Role, number>;
}

/** Resolves the process trees once (scanning /proc on every sample would disturb the measurement). */
export function rssProbe(watched: Watched[]): RssProbe {
  const pids = watched
    .filter((w) => w.role === 'server' || w.role === 'client')
    .map((w) => ({ role: w.role as Role, pids: w.tree ? processTree(w.pid) : [w.pid] }));
  return {
    read() {
      const out: Record<Role, number> = { server: 0, client: 0 };
      for (const p of pids) out[p.role] += p.pids.reduce((s, pid) => s + rssBytes(pid), 0);
      return out;
    },
  };
}
