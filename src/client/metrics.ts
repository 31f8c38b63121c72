import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { routeMetricsCache } from '../transport/route-metrics.js';

/** Prometheus metrics of one client. Byte direction: "in" = from the server side (visitors), "out" = from the upstream back. */
export class ClientMetrics {
  readonly registry = new Registry();
  readonly connected = new Gauge({ name: 'adit_client_connected', help: '1 while the tunnel session is up', registers: [this.registry] });
  readonly connects = new Counter({ name: 'adit_client_connects_total', help: 'Sessions established', registers: [this.registry] });
  readonly connectFailures = new Counter({ name: 'adit_client_connect_failures_total', help: 'Failed connection attempts, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly refused = new Gauge({ name: 'adit_client_upstreams_refused', help: 'Upstreams the server refused in the current session', registers: [this.registry] });
  readonly streamsOpen = new Gauge({ name: 'adit_client_streams_open', help: 'Open streams per upstream', labelNames: ['upstream'], registers: [this.registry] });
  readonly streamsTotal = new Counter({ name: 'adit_client_streams_total', help: 'Streams served per upstream', labelNames: ['upstream'], registers: [this.registry] });
  readonly dialFailures = new Counter({ name: 'adit_client_dial_failures_total', help: 'Streams refused, by upstream and reason', labelNames: ['upstream', 'reason'], registers: [this.registry] });
  readonly bytes = new Counter({ name: 'adit_client_bytes_total', help: 'Bytes per upstream; in = towards the upstream, out = back to the server', labelNames: ['upstream', 'direction'], registers: [this.registry] });
  readonly rtt: Gauge;
  /** Per-route children of streamsTotal, streamsOpen and bytes, made once per route. */
  readonly forRoute = routeMetricsCache(this);

  constructor(rtt: () => number | undefined) {
    this.rtt = new Gauge({
      name: 'adit_client_session_rtt_seconds',
      help: 'Last measured round-trip time of the session',
      registers: [this.registry],
      collect() {
        const ms = rtt();
        this.reset();
        if (ms !== undefined) this.set(ms / 1000);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'adit_client_' });
  }
}
