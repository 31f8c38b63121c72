#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js) and its dependencies into dist/bundle/, the
// `adit` that ships. One ES module graph instead of ~200 files from node_modules: a process
// starts without resolving, lexing and compiling CommonJS packages one by one, and an idle server's
// RSS is 8–10 MiB lower (docs/benchmarks.md). Run after tsc; `npm run build` does both.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
// Chunk names carry content hashes: clear out the last build's.
rmSync(new URL('dist/bundle', root), { recursive: true, force: true });

await build({
  absWorkingDir: root.pathname,
  entryPoints: { adit: 'dist/src/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Each command stays its own chunk, loaded on demand as in main.ts.
  splitting: true,
  // Not minified: stack traces in logs keep their names and lines stay readable.
  minify: false,
  // bufferutil is native (a prebuilt .node file). What src/ loads through createRequire only when
  // used (pino-pretty on a terminal, yaml for config and access files) is not seen by esbuild and
  // stays an ordinary runtime dependency; pino-pretty is never bundled.
  external: ['bufferutil', 'pino-pretty'],
  // The CommonJS packages inside call require() for Node built-ins.
  banner: { js: "import { createRequire as aditCreateRequire } from 'node:module';\nconst require = aditCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
