/** Small statistics over repeated measurements. */

export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentileSorted(asc: readonly number[], p: number): number {
  if (asc.length === 0) return NaN;
  // The epsilon keeps 99.9 % of 1000 at rank 999 despite floating point (0.999 * 1000 = 999.0000000000001).
  const rank = Math.ceil((p / 100) * asc.length - 1e-9);
  return asc[Math.min(asc.length - 1, Math.max(0, rank - 1))];
}

export function median(xs: readonly number[]): number {
  const s = sorted(xs.filter((x) => Number.isFinite(x)));
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Half the min..max range relative to the median, in percent: how much repetitions disagree. */
  spreadPct: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = sorted(xs.filter((x) => Number.isFinite(x)));
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN, spreadPct: NaN, n: 0 };
  const m = median(s);
  const min = s[0];
  const max = s[s.length - 1];
  return { median: m, min, max, spreadPct: m === 0 ? 0 : ((max - min) / 2 / Math.abs(m)) * 100, n: s.length };
}
