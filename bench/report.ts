/** One table (Markdown, so it pastes into docs/benchmarks.md as is) and the target checks. */
import { METRICS } from './scenarios/index.js';
import type { CheckResult, Medians } from './checks.js';

function cell(m: Medians, p: string, k: string, digits: number): string {
  const s = m[p]?.[k];
  if (!s || s.n === 0) return '–';
  const v = s.median.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s.n > 1 ? `${v} ±${s.spreadPct < 10 ? s.spreadPct.toFixed(1) : s.spreadPct.toFixed(0)}%` : v;
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}

export function renderTable(m: Medians, participants: string[]): string {
  const rows: string[][] = [['scenario', 'unit', ...participants]];
  for (const [k, info] of Object.entries(METRICS)) {
    if (!participants.some((p) => m[p]?.[k]?.n)) continue;
    rows.push([info.label, info.unit, ...participants.map((p) => cell(m, p, k, info.digits))]);
  }
  return pad(rows);
}

export function renderChecks(checks: CheckResult[]): string {
  const mark = { met: 'met', missed: 'MISSED', 'not measured': 'not measured' } as const;
  const withFloor = checks.some((c) => c.floor !== undefined);
  const head = ['target', 'status', 'measured', ...(withFloor ? ["plain Node relays in adit's place"] : [])];
  const rows = [head, ...checks.map((c) => [c.target, mark[c.status], c.detail, ...(withFloor ? [c.floor ?? ''] : [])])];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
