import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentileSorted, summarize } from '../../bench/stats.js';
import { evaluateTargets, type Medians } from '../../bench/checks.js';
import { renderChecks, renderTable } from '../../bench/report.js';

test('percentiles are nearest-rank and the median averages the middle pair', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(percentileSorted(xs, 50), 500);
  assert.equal(percentileSorted(xs, 99), 990);
  assert.equal(percentileSorted(xs, 99.9), 999);
  assert.equal(median([3, 1, 2, 10]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('summary spread is half the range relative to the median', () => {
  const s = summarize([9, 10, 12]);
  assert.equal(s.median, 10);
  assert.equal(s.spreadPct, 15);
  assert.equal(s.n, 3);
});

function medians(values: Record<string, Record<string, number>>): Medians {
  const m: Medians = {};
  for (const [p, ks] of Object.entries(values)) {
    m[p] = {};
    for (const [k, v] of Object.entries(ks)) m[p][k] = summarize([v]);
  }
  return m;
}

test('target checks: ratios decide, a missing figure is never met', () => {
  const m = medians({
    socat: { 's1.fwd': 8, 's2.fwd8': 8 },
    'ssh -R aes128-gcm': { 's1.fwd': 4, 's5.tcp.rps': 10_000, 's6.rate': 3000, 's3.p99': 200 },
    'ssh -R default': { 's5.tcp.rps': 10_000, 's6.rate': 3000, 's3.p99': 150 },
    'adit ws': { 's1.fwd': 6, 's2.fwd8': 6, 's5.tcp.rps': 12_000, 's5.host.rps': 13_000, 's6.rate': 6000, 's3.p99': 180, 's8.grow.server': 20 },
  });
  const checks = evaluateTargets(m, 16.125);
  const by = (t: string) => checks.find((c) => c.target === t)!;
  assert.equal(by('bulk 1 stream fwd: adit ws ≥ 0.75 × socat').status, 'met');
  assert.equal(by('bulk 1 stream fwd: adit ws ≥ 1.2 × ssh aes128-gcm').status, 'met');
  assert.match(by('bulk 1 stream fwd: adit ws ≥ 1.2 × ssh aes128-gcm').detail, /1\.50×/);
  assert.equal(by('bulk 8 streams: adit ws ≥ 0.8 × socat').status, 'missed');
  assert.equal(by('bulk 1 stream rev: adit ws ≥ 0.75 × socat').status, 'not measured');
  assert.equal(by('http (tcp route): adit ws ≥ 1.2 × ssh -R default').status, 'met');
  // The Host route is held against ssh's plain TCP forward.
  assert.equal(by('http (Host route): adit ws ≥ 1.2 × ssh -R default').status, 'met');
  assert.equal(by('latency p99: adit ws ≤ ssh -R default').status, 'missed');
  assert.equal(by('latency p99: adit ws ≤ ssh -R aes128-gcm').status, 'met');
  assert.equal(by('connection rate: adit ws ≥ 5,000/s').status, 'met');
  assert.equal(by('slow reader: adit ws server RSS growth ≤ window bound').status, 'missed');
  assert.equal(by('latency under load p99: adit wss ≤ 5 ms').status, 'not measured');
});

test('target checks: the plain-Node floor is judged by the same rule, with masking for the reverse direction', () => {
  const m = medians({
    socat: { 's1.fwd': 10, 's1.rev': 10 },
    'ssh -R default': { 's3.p99': 500, 's6.rate': 4000 },
    'adit ws': { 's1.fwd': 8, 's1.rev': 6.5, 's3.p99': 700, 's6.rate': 4500 },
    'adit wss': { 's6.rate': 3500 },
    'node relays': { 's1.fwd': 9, 's1.rev': 8, 's3.p99': 450, 's6.rate': 4800 },
    'node relays masked': { 's1.rev': 7 },
    'node relays tls': { 's6.rate': 900 },
  });
  const by = (t: string) => evaluateTargets(m, undefined).find((c) => c.target === t)!;
  assert.equal(by('bulk 1 stream fwd: adit ws ≥ 0.75 × socat').floor, 'node relays: 0.90× (met)');
  assert.equal(by('bulk 1 stream rev: adit ws ≥ 0.75 × socat').floor, 'node relays masked: 0.70× (missed)');
  assert.equal(by('latency p99: adit ws ≤ ssh -R default').floor, 'node relays: 450 = 0.90× (met)');
  assert.equal(by('connection rate: adit ws ≥ 5,000/s').floor, 'node relays: 4800 /s (missed)');
  // The TLS relays shake hands per connection, adit wss once: no floor for its connection rate.
  assert.equal(by('connection rate: adit wss ≥ 5,000/s').floor, undefined);
  assert.equal(by('memory: adit ws idle server RSS ≤ 60 MiB').floor, undefined);
  const table = renderChecks(evaluateTargets(m, undefined));
  assert.match(table.split('\n')[0]!, /plain Node relays in adit's place/);
});

test('the table has one row per measured metric and a dash where a participant has none', () => {
  const table = renderTable(medians({ direct: { 's1.fwd': 20 }, 'adit ws': { 's1.fwd': 2, 's7.perconn': 21.5 } }), ['direct', 'adit ws']);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[2], /^\| 1 bulk 1 stream fwd .*\| +20\.00 \| +2\.00 \|$/);
  assert.match(lines[3], /per connection.*\| +– \| +21\.50 \|$/);
});
