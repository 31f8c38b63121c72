import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = new URL('../../src', import.meta.url).pathname;

/** What each layer may import (DESIGN.md: protocol ← mux ← transport ← {server, client} ← cli; k8s uses protocol/client/server). */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  mux: ['protocol'],
  transport: ['protocol', 'mux'],
  server: ['protocol', 'mux', 'transport'],
  client: ['protocol', 'mux', 'transport'],
  k8s: ['protocol', 'client', 'server'],
  cli: ['protocol', 'mux', 'transport', 'server', 'client', 'k8s'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('imports point one way between layers', () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    const rel = relative(src, file);
    const layer = rel.split('/')[0]!;
    if (!(layer in ALLOWED)) continue; // src/index.ts re-exports every layer
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.\.?\/[^']+)'/g)) {
      const target = relative(src, join(file, '..', m[1]!)).split('/')[0]!;
      if (target === layer || target.endsWith('.js')) continue;
      if (!ALLOWED[layer]!.includes(target)) violations.push(`${rel} imports ${m[1]} (${layer} → ${target})`);
    }
  }
  assert.deepEqual(violations, []);
});
