import type { Hello } from './frame.js';

/**
 * The application part of HELLO (see docs/hello.md).
 * Client → server: who it is and which routes it wants.
 * Server → client: one result per requested route.
 */
export interface ClientHello extends Hello {
  v: 1;
  caps: string[];
  /** Stable client id; the same id reconnecting replaces its old session. */
  id: string;
  /** Route names: "tcp:PORT", "http:HOST", "http:*.SUFFIX", "http:*" (default route). */
  upstreams: string[];
  /** Free-form software version, for /status. */
  version?: string;
}

export type RefusalCode = 'INVALID' | 'NOT_ALLOWED' | 'TAKEN' | 'BIND_FAILED' | 'HTTP_DISABLED';

export interface UpstreamResult {
  upstream: string;
  accepted: boolean;
  code?: RefusalCode;
  reason?: string;
}

export interface ServerHello extends Hello {
  v: 1;
  caps: string[];
  results: UpstreamResult[];
  /** Set when the whole HELLO was rejected (then the session closes). */
  error?: string;
}

export const MAX_UPSTREAMS = 1024;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,252}$/;
export const CLIENT_ID_RULE = '1-253 characters of letters, digits and . _ : @ -, starting with a letter or digit';

export function isValidClientId(id: string): boolean {
  return ID.test(id);
}

/** Checks a client HELLO; returns a reason string when it is unusable. */
export function helloProblem(h: Hello): string | undefined {
  if (h.v !== 1) return `unsupported protocol version ${String(h.v)} (this server speaks 1)`;
  if (typeof h.id !== 'string' || !ID.test(h.id)) return `HELLO "id" must be ${CLIENT_ID_RULE}`;
  if (!Array.isArray(h.upstreams) || !h.upstreams.every((u) => typeof u === 'string')) return 'HELLO "upstreams" must be a list of strings';
  if (h.upstreams.length > MAX_UPSTREAMS) return `HELLO declares ${h.upstreams.length} upstreams, more than ${MAX_UPSTREAMS}`;
  return undefined;
}

export type ParsedRoute = { kind: 'tcp'; port: number } | { kind: 'http'; host: string };

const HOST = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/;

export function parseRoute(route: string): ParsedRoute | undefined {
  const tcp = /^tcp:(\d{1,5})$/.exec(route);
  if (tcp) {
    const port = Number(tcp[1]);
    return port >= 1 && port <= 65535 ? { kind: 'tcp', port } : undefined;
  }
  if (route.startsWith('http:')) {
    const host = route.slice(5);
    return HOST.test(host) && host.length <= 253 ? { kind: 'http', host } : undefined;
  }
  return undefined;
}
