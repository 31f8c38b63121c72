/** A place the client dials: host and port, and whether to speak TLS to it (https upstreams). */
export interface Target {
  host: string;
  port: number;
  tls: boolean;
}

/** Normalised "host:port" for comparing dial targets: lower case, no IPv6 brackets, no trailing dot. */
export function targetKey(host: string, port: number): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Parses "host:port" (IPv6 as "[::1]:80"). Returns undefined when it is not one. */
export function parseHostPort(text: string, defaultPort?: number): { host: string; port: number } | undefined {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const i = s.lastIndexOf(':');
    if (i >= 0) {
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    } else {
      host = s;
    }
    if (host.includes(':')) return undefined;
  }
  if (!host || !/^[A-Za-z0-9._:-]+$/.test(host)) return undefined;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
  }
  if (port === undefined || port < 1 || port > 65535) return undefined;
  return { host, port };
}

export function formatTarget(t: Target): string {
  return `${t.tls ? 'https://' : ''}${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}
