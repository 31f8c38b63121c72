import http from 'node:http';
import type { Registry } from 'prom-client';

/** What an admin port serves; /status is only there when `status` is given. */
export interface AdminHandlers {
  ready: () => boolean;
  /** Why it is not ready, for the /readyz body (shown by kubectl describe on a failing probe). */
  notReadyReason?: () => string;
  registry: Registry;
  /** Returns the JSON for /status, or a status code when the caller is not allowed. */
  status?: (req: http.IncomingMessage) => Promise<{ code: number; body: unknown }>;
}

/** /healthz (alive), /readyz, /metrics and optionally /status, on a plain HTTP port. */
export function createAdminServer(h: AdminHandlers): http.Server {
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    void handle(h, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(h: AdminHandlers, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const text = (code: number, body: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
  switch (path) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/readyz':
      return h.ready() ? text(200, 'ready\n') : text(503, `not ready${h.notReadyReason ? `: ${h.notReadyReason()}` : ''}\n`);
    case '/metrics': {
      const body = await h.registry.metrics();
      res.writeHead(200, { 'content-type': h.registry.contentType });
      res.end(body);
      return;
    }
    case '/status':
      if (h.status) {
        const r = await h.status(req);
        res.writeHead(r.code, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify(r.body, null, 2)}\n`);
        return;
      }
  }
  text(404, 'not found\n');
}
