/** Raw HTTP over a socket, for requests no well-behaved client would send. */
import net from 'node:net';

export interface RawAnswer {
  /** Status code of the first response line, or null if the server closed without one. */
  status: number | null;
  text: string;
  /** How the connection ended: 'end' (FIN), an errno (ECONNRESET), or 'timeout' (still open). */
  ended: string;
  ms: number;
  /** When the first byte of the answer arrived (ms), or null. */
  firstByteMs: number | null;
}

/**
 * Sends `parts` (with `gapMs` between them) to host:port and reads until the
 * server closes or `timeoutMs` passes.
 */
export function rawExchange(port: number, parts: (string | Buffer)[], o: { gapMs?: number; timeoutMs?: number; host?: string; localAddress?: string; untilStatus?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect({ port, host: o.host ?? '127.0.0.1', ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    let text = '';
    let firstByteMs: number | null = null;
    let settled = false;
    const finish = (ended: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, ended, ms: performance.now() - t0, firstByteMs });
    };
    const timer = setTimeout(() => finish('timeout'), o.timeoutMs ?? 5000);
    s.on('data', (d: Buffer) => {
      firstByteMs ??= performance.now() - t0;
      text += d.toString('latin1');
      if (o.untilStatus && /^HTTP\/1\.[01] \d{3}/.test(text)) finish('open');
    });
    s.on('end', () => finish('end'));
    s.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? 'error'));
    void (async () => {
      for (const p of parts) {
        if (s.destroyed) return;
        s.write(p);
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
    })();
  });
}

export function upgradeRequest(path: string, token?: string, extra = ''): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: adit.test',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: adit.v1',
    ...(token === undefined ? [] : [`Authorization: Bearer ${token}`]),
    ...(extra ? [extra] : []),
    '',
    '',
  ].join('\r\n');
}
