import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { routeMetricsCache } from '../transport/route-metrics.js';

/**
 * Prometheus metrics of one server. Each server has its own registry, so
 * several servers in one process (tests) do not collide.
 * Byte direction: "in" = from visitors into the tunnel, "out" = back to visitors.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly clients = new Gauge({ name: 'adit_server_clients_connected', help: 'Connected tunnel clients', registers: [this.registry] });
  readonly streamsOpen = new Gauge({ name: 'adit_server_streams_open', help: 'Open tunnel streams per upstream', labelNames: ['upstream'], registers: [this.registry] });
  readonly streamsTotal = new Counter({ name: 'adit_server_streams_total', help: 'Tunnel streams opened per upstream', labelNames: ['upstream'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'adit_server_bytes_total', help: 'Bytes carried per upstream; direction in = from visitors, out = to visitors', labelNames: ['upstream', 'direction'], registers: [this.registry] });
  readonly dialFailures = new Counter({ name: 'adit_server_dial_failures_total', help: 'Visitor connections the client could not serve, by reason', labelNames: ['upstream', 'reason'], registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'adit_server_auth_failures_total', help: 'Rejected control connections and /status requests', labelNames: ['reason'], registers: [this.registry] });
  readonly refusals = new Counter({ name: 'adit_server_upstream_refusals_total', help: 'Upstreams refused in HELLO, by code', labelNames: ['code'], registers: [this.registry] });
  readonly replaced = new Counter({ name: 'adit_server_sessions_replaced_total', help: 'Sessions replaced by a reconnect of the same client id', registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'adit_server_http_requests_total', help: 'HTTP requests routed, by upstream and status code', labelNames: ['upstream', 'code'], registers: [this.registry] });
  readonly rtt: Gauge;
  /** Per-route children of streamsTotal, streamsOpen and bytes, made once per route. */
  readonly forRoute = routeMetricsCache(this);

  constructor(rtts: () => Iterable<[string, number | undefined]>) {
    this.rtt = new Gauge({
      name: 'adit_server_session_rtt_seconds',
      help: 'Last measured round-trip time of each client session',
      labelNames: ['client'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [client, ms] of rtts()) if (ms !== undefined) this.set({ client }, ms / 1000);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'adit_server_' });
  }
}
