import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/kube-tools.js';

const snapshotDir = join(repoRoot, 'test/charts/__snapshots__');

/**
 * Generated tokens are random on every offline render (no `lookup`): mask the
 * data line of chart-generated token Secrets (48 random chars = 64 base64 chars).
 */
export function maskGeneratedTokens(text: string): string {
  return text.replace(/^(# Source: [^\n]*\/secret\.yaml\n(?:[^\n]*\n)*?data:\n {2}[^:\n]+: )"[A-Za-z0-9+/]{64}"$/gm, '$1"<generated>"');
}

/**
 * Compares text with test/charts/__snapshots__/<name>.yaml. UPDATE_SNAPSHOTS=1
 * (re)writes it instead. A missing snapshot fails, so CI never writes one silently.
 */
export function matchSnapshot(name: string, text: string): void {
  const file = join(snapshotDir, `${name}.yaml`);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`missing snapshot ${file}: run with UPDATE_SNAPSHOTS=1 and review the diff`);
  }
  if (expected !== text) {
    const a = expected.split('\n');
    const b = text.split('\n');
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    throw new Error(
      `snapshot ${name} differs at line ${i + 1}:\n  expected: ${JSON.stringify(a[i])}\n  actual:   ${JSON.stringify(b[i])}\n` +
        'if the change is intended, rerun with UPDATE_SNAPSHOTS=1 and commit the snapshot',
    );
  }
}
