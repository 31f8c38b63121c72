import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// yaml is loaded only when a file is read: most deployments configure by flags and env alone.
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
import { PortSet } from './port-set.js';
import { readTokenFile, type TokenLimits } from './tokens.js';

/**
 * The access file lists tokens with limits:
 *
 *   tokens:
 *     - name: home            # shown in logs and /status instead of the token
 *       token: s3cret          # or tokenFile: /etc/adit/home-token
 *       ports: [6143, 6191, "7000-7010"]
 *       hosts: [demo.example.com, "*.home.example.com"]
 *
 * Every token listed is accepted, with its limits. Errors name the entry and key.
 */
export interface AccessEntry {
  name?: string;
  tokens: string[];
  limits: TokenLimits;
}

export class AccessFileError extends Error {
  readonly code = 'ADIT_ERR_ACCESS_FILE';
}

const KEYS = new Set(['name', 'token', 'tokenFile', 'ports', 'hosts']);

export function parseAccessFile(path: string): AccessEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AccessFileError(`cannot read access file ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) throw new AccessFileError(`access file ${path} needs a "tokens:" list`);
  return list.map((raw, i) => {
    const where = `access file ${path}, tokens[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new AccessFileError(`${where} must be a mapping`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!KEYS.has(k)) throw new AccessFileError(`${where}: unknown key "${k}"`);
    const tokens: string[] = [];
    if (typeof e.token === 'string' && e.token) tokens.push(e.token);
    else if (e.token !== undefined) throw new AccessFileError(`${where}: "token" must be a non-empty string`);
    if (typeof e.tokenFile === 'string') {
      try {
        tokens.push(...readTokenFile(e.tokenFile));
      } catch (err) {
        throw new AccessFileError(`${where}: cannot read tokenFile ${e.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
    }
    if (tokens.length === 0) throw new AccessFileError(`${where} needs "token" or "tokenFile"`);
    const limits: TokenLimits = {};
    if (e.ports !== undefined) {
      if (!Array.isArray(e.ports) && typeof e.ports !== 'string' && typeof e.ports !== 'number') {
        throw new AccessFileError(`${where}: "ports" must be a list of ports and ranges`);
      }
      try {
        limits.ports = PortSet.parse(Array.isArray(e.ports) ? e.ports.map(String) : String(e.ports));
      } catch (err) {
        throw new AccessFileError(`${where}: ports: ${(err as Error).message}`);
      }
    }
    if (e.hosts !== undefined) {
      if (!Array.isArray(e.hosts) || !e.hosts.every((h) => typeof h === 'string')) {
        throw new AccessFileError(`${where}: "hosts" must be a list of host names, *.suffix patterns or *`);
      }
      limits.hosts = (e.hosts as string[]).map((h) => h.trim().toLowerCase());
    }
    return { name: typeof e.name === 'string' ? e.name : undefined, tokens, limits };
  });
}
