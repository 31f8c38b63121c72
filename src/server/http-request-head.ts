/**
 * The request head the server sends upstream, written by hand from the
 * visitor's raw header lines (one pass, no header object): hop-by-hop headers
 * and the ones named in Connection are dropped, X-Forwarded-* are added.
 */

/** Headers that belong to one connection (RFC 9110 §7.6.1), never forwarded. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** How the request body travels upstream: none, as is (Content-Length), or chunked (the visitor sent Transfer-Encoding). */
export type BodyFraming = 'none' | 'length' | 'chunked';

export interface ForwardHead {
  /** Head text, to be written as latin1 (header bytes are carried one char per byte, as Node parsed them). */
  text: string;
  body: BodyFraming;
}

/** Lower-cased tokens of the Connection header lines that name headers beyond the fixed hop-by-hop set. */
function connectionListed(raw: string[]): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const t of raw[i + 1].split(',')) {
      const tok = t.trim().toLowerCase();
      if (tok && !HOP_BY_HOP.has(tok)) (out ??= []).push(tok);
    }
  }
  return out;
}

/**
 * Builds the upstream request head. `upgrade` keeps Connection and Upgrade
 * (a WebSocket handshake is replayed as is). `peer` is the visitor's address
 * for X-Forwarded-For.
 */
export function forwardHead(method: string, path: string, raw: string[], peer: string, upgrade: boolean): ForwardHead {
  const listed = connectionListed(raw);
  let text = `${method} ${path} HTTP/1.1\r\n`;
  let xff: string | undefined;
  let host: string | undefined;
  let hasProto = false;
  let hasXfh = false;
  let body: BodyFraming = 'none';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.includes(lower)) {
      if (lower === 'transfer-encoding') body = 'chunked';
      if (!(upgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    } else if (lower === 'x-forwarded-for') {
      xff = xff === undefined ? value : `${xff}, ${value}`;
      continue;
    } else if (lower === 'host') {
      host ??= value;
    } else if (lower === 'content-length') {
      if (body === 'none') body = 'length';
    } else if (lower === 'x-forwarded-proto') {
      hasProto = true;
    } else if (lower === 'x-forwarded-host') {
      hasXfh = true;
    }
    text += `${name}: ${value}\r\n`;
  }
  text += `X-Forwarded-For: ${xff === undefined ? peer : `${xff}, ${peer}`}\r\n`;
  if (!hasProto) text += 'X-Forwarded-Proto: http\r\n';
  if (!hasXfh && host !== undefined) text += `X-Forwarded-Host: ${host}\r\n`;
  if (body === 'chunked' && !upgrade) text += 'Transfer-Encoding: chunked\r\n';
  return { text: `${text}\r\n`, body };
}
