/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): top functions by self time, and self time
 * per source file. Used to explain a missed target:
 *   ADIT_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only 'adit ws' --scenarios s6
 *   node dist/bench/tools/cpuprofile.js /tmp/prof/*.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = new URL('../../..', import.meta.url).pathname;

function where(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const rel = relative(ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

export function summarise(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = p.endTime - p.startTime;
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += us;
    const key = `${name}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = n.callFrame.url ? where(n.callFrame.url).replace(/(node_modules\/[^/]+)\/.*/, '$1') : name;
    files.set(f, (files.get(f) ?? 0) + us);
  }
  // Inclusive time of each function (a function on the stack twice counts once per sample).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: Node) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!n.callFrame.url) continue;
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  // Percentages are of busy time: idle stretches before and after the load say nothing.
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(2)} s busy; percentages are of busy time`, 'self time by function:'];
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).filter(([k]) => !k.startsWith('(idle)')).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('inclusive time, adit code (src/) and dependencies:');
  const ours = [...incl].filter(([k]) => /dist\/src\/|node_modules/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, us] of ours) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('self time by file:');
  for (const [k, us] of [...files].sort((a, b) => b[1] - a[1]).filter(([k]) => k !== '(idle)').slice(0, 15)) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of process.argv.slice(2)) process.stdout.write(`${summarise(f)}\n\n`);
}
