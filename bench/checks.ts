/** The targets, evaluated on the medians of one run. A missing figure is "not measured", never met. */
import type { Summary } from './stats.js';
import { NODE_RELAYS, NODE_RELAYS_MASKED, NODE_RELAYS_TLS } from './participants/node-relays.js';

export type Medians = Record<string, Record<string, Summary>>;

export interface CheckResult {
  target: string;
  status: 'met' | 'missed' | 'not measured';
  detail: string;
  /** The same comparison with plain Node relays in adit's place (`--floor`), when the run has them. */
  floor?: string;
}

const WS = 'adit ws';
const WSS = 'adit wss';
const SSH_AES = 'ssh -R aes128-gcm';
const SSH_DEF = 'ssh -R default';

function med(m: Medians, p: string, k: string): number | undefined {
  const v = m[p]?.[k]?.median;
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

/**
 * The plain-Node stand-in for `a` in figure `k`: what Node alone reaches in adit's two-process shape.
 * None for memory (two sockets per connection are no floor for it), the Host route (the relays have
 * none) and wss connection rate (the TLS relays shake hands per connection, adit once).
 */
function floorFor(a: string, k: string): string | undefined {
  if (k.startsWith('s7') || k.startsWith('s8') || k === 's5.host.rps') return undefined;
  if (a === WSS) return k === 's6.rate' ? undefined : NODE_RELAYS_TLS;
  return k === 's1.rev' ? NODE_RELAYS_MASKED : NODE_RELAYS;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function verdict(ok: boolean): 'met' | 'missed' {
  return ok ? 'met' : 'missed';
}

/**
 * A check on `a`'s measured figure `x`. `ok` is the target's rule, applied to adit's figure and to
 * its floor's alike; `floorText` writes the floor's figure, its verdict follows.
 */
function judged(m: Medians, target: string, a: string, k: string, x: number, ok: (v: number) => boolean, detail: string, floorText: (v: number) => string): CheckResult {
  const f = floorFor(a, k);
  const fx = f === undefined ? undefined : med(m, f, k);
  const floor = fx === undefined ? undefined : `${f}: ${floorText(fx)} (${verdict(ok(fx))})`;
  return { target, status: verdict(ok(x)), detail, floor };
}

/** a's metric k ≥ factor × b's metric kb (higher is better). */
function atLeast(m: Medians, target: string, a: string, b: string, k: string, factor: number, kb = k): CheckResult {
  const x = med(m, a, k);
  const y = med(m, b, kb);
  if (x === undefined || y === undefined) return { target, status: 'not measured', detail: `${a} has no ${k} or ${b} has no ${kb}` };
  const detail = `${fmt(x)} / ${fmt(y)} = ${(x / y).toFixed(2)}× (need ≥ ${factor}×)`;
  return judged(m, target, a, k, x, (v) => v / y >= factor, detail, (v) => `${(v / y).toFixed(2)}×`);
}

/** a ≤ b (lower is better). */
function atMost(m: Medians, target: string, a: string, b: string, k: string): CheckResult {
  const x = med(m, a, k);
  const y = med(m, b, k);
  if (x === undefined || y === undefined) return { target, status: 'not measured', detail: `${a} or ${b} has no ${k}` };
  const detail = `${fmt(x)} / ${fmt(y)} = ${(x / y).toFixed(2)}× (need ≤ 1×)`;
  return judged(m, target, a, k, x, (v) => v <= y, detail, (v) => `${fmt(v)} = ${(v / y).toFixed(2)}×`);
}

function absolute(m: Medians, target: string, p: string, k: string, limit: number, unit: string, higherIsBetter: boolean): CheckResult {
  const x = med(m, p, k);
  if (x === undefined) return { target, status: 'not measured', detail: `${p} has no ${k}` };
  const detail = `${fmt(x)} ${unit} vs ${higherIsBetter ? '≥' : '≤'} ${limit} ${unit} (${(x / limit).toFixed(2)}× the limit)`;
  return judged(m, target, p, k, x, (v) => (higherIsBetter ? v >= limit : v <= limit), detail, (v) => `${fmt(v)} ${unit}`);
}

export function evaluateTargets(m: Medians, windowBoundMiB: number | undefined): CheckResult[] {
  const out: CheckResult[] = [];
  for (const dir of ['fwd', 'rev'] as const) {
    const k = `s1.${dir}`;
    out.push(atLeast(m, `bulk 1 stream ${dir}: adit ws ≥ 0.75 × socat`, WS, 'socat', k, 0.75));
    out.push(atLeast(m, `bulk 1 stream ${dir}: adit ws ≥ 1.2 × ssh aes128-gcm`, WS, SSH_AES, k, 1.2));
    out.push(atLeast(m, `bulk 1 stream ${dir}: adit wss ≥ 1.0 × ssh aes128-gcm`, WSS, SSH_AES, k, 1.0));
  }
  out.push(atLeast(m, 'bulk 8 streams: adit ws ≥ 0.8 × socat', WS, 'socat', 's2.fwd8', 0.8));
  for (const a of [WS, WSS]) {
    for (const s of [SSH_DEF, SSH_AES]) out.push(atMost(m, `latency p99: ${a} ≤ ${s}`, a, s, 's3.p99'));
    out.push(absolute(m, `latency under load p99: ${a} ≤ 5 ms`, a, 's4.p99', 5000, 'µs', false));
  }
  for (const a of [WS, WSS]) {
    for (const s of [SSH_DEF, SSH_AES]) {
      out.push(atLeast(m, `http (tcp route): ${a} ≥ 1.2 × ${s}`, a, s, 's5.tcp.rps', 1.2));
      // ssh has no Host routing: adit's Host route is held against ssh forwarding nginx's port.
      out.push(atLeast(m, `http (Host route): ${a} ≥ 1.2 × ${s}`, a, s, 's5.host.rps', 1.2, 's5.tcp.rps'));
    }
  }
  for (const a of [WS, WSS]) {
    for (const s of [SSH_DEF, SSH_AES]) out.push(atLeast(m, `connection rate: ${a} ≥ 1.0 × ${s}`, a, s, 's6.rate', 1.0));
    out.push(absolute(m, `connection rate: ${a} ≥ 5,000/s`, a, 's6.rate', 5000, '/s', true));
  }
  for (const a of [WS, WSS]) {
    out.push(absolute(m, `memory: ${a} ≤ 6 KiB per idle connection (server + client)`, a, 's7.perconn', 6, 'KiB', false));
    out.push(absolute(m, `memory: ${a} idle server RSS ≤ 60 MiB`, a, 's7.idle.server', 60, 'MiB', false));
  }
  for (const a of [WS, WSS]) {
    for (const role of ['server', 'client']) {
      out.push(
        windowBoundMiB === undefined
          ? { target: `slow reader: ${a} ${role} growth ≤ window bound`, status: 'not measured', detail: 'no window bound known' }
          : absolute(m, `slow reader: ${a} ${role} RSS growth ≤ window bound`, a, `s8.grow.${role}`, Number(windowBoundMiB.toFixed(3)), 'MiB', false),
      );
    }
    out.push(absolute(m, `slow reader: ${a} other stream keeps ≥ 50 %`, a, 's8.keep', 50, '%', true));
  }
  return out;
}
