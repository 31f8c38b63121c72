import { readFileSync } from 'node:fs';

/**
 * The package version, from adit's package.json: the nearest one above this module, which is
 * dist/src/cli/ when compiled and dist/bundle/ when bundled.
 */
function readVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'adit') return pkg.version ?? '0.0.0';
    } catch {
      // No package.json here: keep looking upward.
    }
    if (dir.pathname === '/') return '0.0.0';
  }
}

export const VERSION = readVersion();
