import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import type { TokenSet } from './tokens.js';

/** Where the accepted tokens come from, so they can be read again when those files change. */
export interface TokenSource {
  /** Token file, access file… (mounted Secrets are rewritten in place on rotation). */
  files: string[];
  /** Builds the whole set again; throws when the files are unusable. */
  load: () => TokenSet;
  /** Poll interval (ms). */
  interval?: number;
}

/**
 * Re-reads the tokens when a source file changes and hands the new set to
 * `apply`. A set that fails to load, or comes out empty, leaves the old one in
 * force and is logged. Sessions already connected are not disturbed.
 */
export function watchTokens(source: TokenSource, apply: (t: TokenSet) => void, log: Logger): () => void {
  const changed = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    try {
      const next = source.load();
      if (next.size === 0) throw new Error('no token left');
      apply(next);
      log.info({ tokenCount: next.size }, 'tokens reloaded');
    } catch (err) {
      log.error({ reason: (err as Error).message }, 'token reload failed; keeping the previous tokens');
    }
  };
  for (const f of source.files) watchFile(f, { interval: source.interval ?? 10_000, persistent: false }, changed);
  return () => {
    for (const f of source.files) unwatchFile(f, changed);
  };
}
