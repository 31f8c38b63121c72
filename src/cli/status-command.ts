import type { Command } from 'commander';
import { ConfigError } from './errors.js';

interface StatusClient {
  id: string;
  token: string;
  remote: string;
  connectedAt: string;
  rttMs: number | null;
  streams: number;
  routes: string[];
  stats?: { bytesIn?: number; bytesOut?: number };
}

interface Status {
  listening: boolean;
  draining: boolean;
  clients: StatusClient[];
  routes: { route: string; client: string }[];
}

/** Renders rows as aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function since(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function renderStatus(st: Status, now = Date.now()): string {
  const state = st.draining ? 'draining' : st.listening ? 'listening' : 'stopped';
  const out = [`server: ${state}, ${st.clients.length} client(s), ${st.routes.length} route(s)`, ''];
  out.push(table(
    ['CLIENT', 'REMOTE', 'TOKEN', 'UP', 'RTT', 'STREAMS', 'IN', 'OUT', 'ROUTES'],
    st.clients.map((c) => [c.id, c.remote, c.token, since(c.connectedAt, now), c.rttMs === null ? '-' : `${c.rttMs}ms`, String(c.streams), bytes(c.stats?.bytesIn), bytes(c.stats?.bytesOut), c.routes.join(',')]),
  ));
  return `${out.join('\n')}\n`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a server's clients and routes (from its admin /status)")
    .option('--url <url>', 'admin base URL of the server, e.g. http://127.0.0.1:9090 [env ADIT_STATUS_URL]')
    .option('--token <token>', 'a token the server accepts [env ADIT_TOKEN]')
    .option('--json', 'print the raw JSON')
    .action(async (o: { url?: string; token?: string; json?: boolean }) => {
      const base = o.url ?? process.env.ADIT_STATUS_URL ?? 'http://127.0.0.1:9090';
      const token = o.token ?? process.env.ADIT_TOKEN;
      if (!token) throw new ConfigError('status needs --token (or ADIT_TOKEN)');
      let url: URL;
      try {
        url = new URL('/status', base);
      } catch {
        throw new ConfigError(`--url "${base}" is not a URL`);
      }
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      if (res.status === 401) throw new Error(`${url.origin} did not accept the token (401)`);
      if (!res.ok) throw new Error(`${url.href} answered HTTP ${res.status}`);
      const body = (await res.json()) as Status;
      process.stdout.write(o.json ? `${JSON.stringify(body, null, 2)}\n` : renderStatus(body));
    });
}
