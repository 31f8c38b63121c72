import net from 'node:net';

export class ServerUrlError extends Error {
  readonly code = 'ADIT_ERR_SERVER_URL';
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1';
}

/**
 * Normalises --url: ws:// or wss:// (http/https are taken as the same), the
 * default path /tunnel when none is given (inlets clients give none), and plain
 * ws:// to a non-loopback host only with --insecure.
 */
export function serverUrl(text: string, insecure: boolean, defaultPath = '/tunnel'): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ServerUrlError(`--url "${text}" is not a URL; expected ws(s)://host[:port][/path]`);
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new ServerUrlError(`--url must start with ws:// or wss://, not ${u.protocol}//`);
  if (u.username || u.password) throw new ServerUrlError('--url may not carry credentials; use --token');
  if (u.pathname === '/' || u.pathname === '') u.pathname = defaultPath;
  if (u.protocol === 'ws:' && !insecure && !isLoopback(u.hostname)) {
    throw new ServerUrlError(`--url ${u.origin} is unencrypted (ws://) to a non-loopback host; use wss:// or pass --insecure`);
  }
  return u;
}

/** The proxy to use for a server URL from HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY. */
export function proxyFor(u: URL, env: NodeJS.ProcessEnv): string | undefined {
  const proxy = u.protocol === 'wss:' ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy ?? env.HTTPS_PROXY ?? env.https_proxy;
  if (!proxy) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (const n of noProxy) {
    if (n === '*') return undefined;
    const bare = n.replace(/^\*?\./, '').replace(/:\d+$/, '');
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}
