import { parseHostPort, type Target } from './target.js';

/**
 * What a client offers the server. The server sees only the route name
 * ("tcp:6143", "http:demo.example.com", "http:*.example.com", "http:*");
 * the target it maps to stays on the client.
 */
export interface TcpUpstream {
  kind: 'tcp';
  port: number;
  target: Target;
}

export interface HttpUpstream {
  kind: 'http';
  /** Exact host, "*.suffix", or "*" for the default route. Lower case. */
  host: string;
  target: Target;
}

export type Upstream = TcpUpstream | HttpUpstream;

export class UpstreamSyntaxError extends Error {
  readonly code = 'ADIT_ERR_UPSTREAM_SYNTAX';
  constructor(spec: string, why: string) {
    super(`invalid upstream "${spec}": ${why}`);
    this.name = 'UpstreamSyntaxError';
  }
}

export function routeName(u: Upstream): string {
  return u.kind === 'tcp' ? `tcp:${u.port}` : `http:${u.host}`;
}

const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/;

function portRange(text: string, spec: string, what: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw new UpstreamSyntaxError(spec, `${what} "${text}" is not a port or a range like 7000-7010`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) throw new UpstreamSyntaxError(spec, `${what} "${text}" must be within 1-65535, low to high`);
  return [a, b];
}

/**
 * TCP entry, cubed-it inlets form: "tcp:PORT=host:port". A target port range
 * "tcp:7000=host:8800-8810" opens consecutive listen ports from 7000, one per
 * target port (7000→8800 … 7010→8810); "tcp:7000-7010=host:8800-8810" says the
 * same explicitly and the two ranges must be the same length.
 */
function parseTcp(spec: string, match: string, target: string | undefined): TcpUpstream[] {
  if (target === undefined) throw new UpstreamSyntaxError(spec, 'a tcp upstream needs a target, as in tcp:6143=host:4143');
  const [la, lb] = portRange(match.slice(4), spec, 'listen port');
  const t = target.trim().replace(/^tcp:\/\//, '');
  const i = t.lastIndexOf(':');
  if (i <= 0) throw new UpstreamSyntaxError(spec, `target "${target}" must be host:port`);
  const [ta, tb] = portRange(t.slice(i + 1), spec, 'target port');
  const hp = parseHostPort(`${t.slice(0, i)}:${ta}`);
  if (!hp) throw new UpstreamSyntaxError(spec, `target host "${t.slice(0, i)}" is not a valid host name or address`);
  const count = tb - ta + 1;
  if (lb !== la && lb - la + 1 !== count) {
    throw new UpstreamSyntaxError(spec, `listen range ${la}-${lb} and target range ${ta}-${tb} differ in length`);
  }
  if (la + count - 1 > 65535) throw new UpstreamSyntaxError(spec, 'listen ports would run past 65535');
  const out: TcpUpstream[] = [];
  for (let k = 0; k < count; k++) out.push({ kind: 'tcp', port: la + k, target: { host: hp.host, port: ta + k, tls: false } });
  return out;
}

/** HTTP entry: "host=http://target:port", "*.suffix=…", or a bare target for the default route. No scheme means http. */
function parseHttp(spec: string, match: string, target: string): HttpUpstream {
  let host = match.trim().toLowerCase().replace(/\.$/, '');
  if (host === '') host = '*';
  if (!HOST_PATTERN.test(host)) throw new UpstreamSyntaxError(spec, `"${match}" is not a host name, *.suffix or *`);
  let t = target.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) t = `http://${t}`;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw new UpstreamSyntaxError(spec, `target "${target}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UpstreamSyntaxError(spec, `target scheme ${url.protocol} is not http or https`);
  }
  if (url.pathname !== '/' || url.search) throw new UpstreamSyntaxError(spec, 'a target URL may not carry a path (requests keep their own)');
  const tls = url.protocol === 'https:';
  const hp = parseHostPort(url.host, tls ? 443 : 80);
  if (!hp) throw new UpstreamSyntaxError(spec, `target "${target}" has no valid host:port`);
  return { kind: 'http', host, target: { host: hp.host, port: hp.port, tls } };
}

/** Parses one --upstream value, which may be a comma list of entries. */
export function parseUpstreamSpec(spec: string): Upstream[] {
  const out: Upstream[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    const match = eq < 0 ? '' : entry.slice(0, eq);
    const target = eq < 0 ? entry : entry.slice(eq + 1);
    if (match.trim().toLowerCase().startsWith('tcp:')) out.push(...parseTcp(entry, match.trim().toLowerCase(), target));
    else if (eq < 0 && /^tcp:/i.test(entry)) throw new UpstreamSyntaxError(entry, 'a tcp upstream needs a target, as in tcp:6143=host:4143');
    else out.push(parseHttp(entry, match, target));
  }
  return out;
}

/** Parses all --upstream values; a route declared twice is an error. */
export function parseUpstreams(specs: readonly string[]): Upstream[] {
  const out: Upstream[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    for (const u of parseUpstreamSpec(spec)) {
      const name = routeName(u);
      if (seen.has(name)) throw new UpstreamSyntaxError(spec, `${name} is declared twice`);
      seen.add(name);
      out.push(u);
    }
  }
  return out;
}
