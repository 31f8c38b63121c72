import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PortSet } from './port-set.js';

/** Limits a token may carry (from the access file). Absent fields mean "no limit beyond the server's own". */
export interface TokenLimits {
  ports?: PortSet;
  hosts?: string[];
}

export interface TokenEntry {
  /** Name for logs and /status: never the token itself. */
  label: string;
  limits: TokenLimits;
}

interface Held extends TokenEntry {
  digest: Buffer;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A short, non-reversible name for an unnamed token. */
export function tokenLabel(token: string): string {
  return `token-${digest(token).toString('hex').slice(0, 8)}`;
}

/**
 * The accepted tokens. Candidates are hashed and compared against every entry
 * with timingSafeEqual, without stopping at the first match, so the time taken
 * says nothing about which token (or how much of one) matched.
 */
export class TokenSet {
  private readonly held: Held[] = [];

  add(token: string, entry?: Partial<TokenEntry>): void {
    if (token.length === 0) throw new RangeError('empty token');
    const d = digest(token);
    const existing = this.held.find((h) => timingSafeEqual(h.digest, d));
    const label = entry?.label ?? existing?.label ?? tokenLabel(token);
    const limits = entry?.limits ?? existing?.limits ?? {};
    if (existing) {
      existing.label = label;
      existing.limits = limits;
    } else {
      this.held.push({ digest: d, label, limits });
    }
  }

  get size(): number {
    return this.held.length;
  }

  match(candidate: string): TokenEntry | undefined {
    const d = digest(candidate);
    let found: Held | undefined;
    for (const h of this.held) {
      if (timingSafeEqual(h.digest, d) && !found) found = h;
    }
    return found ? { label: found.label, limits: found.limits } : undefined;
  }
}

/** Tokens from a file: one per line; blank lines and # comments are skipped (several lines let tokens rotate). */
export function readTokenFile(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Reads a Bearer token from an Authorization header value. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
