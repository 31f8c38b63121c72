import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface RouteMetrics {
  streamsTotal: { inc(n?: number): void };
  streamsOpen: { inc(n?: number): void; dec(n?: number): void };
  bytesIn: { inc(n?: number): void };
  bytesOut: { inc(n?: number): void };
}

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
  private readonly routes = new Map<string, RouteMetrics>();

  /**
   * The per-route children, made once per route: labels() hashes the labels
   * and binds a fresh set of functions on every call, which a busy port would
   * pay on every connection. Routes are the declared upstreams, so this stays small.
   */
  forRoute(route: string): RouteMetrics {
    let m = this.routes.get(route);
    if (!m) {
      m = {
        streamsTotal: this.streamsTotal.labels({ upstream: route }),
        streamsOpen: this.streamsOpen.labels({ upstream: route }),
        bytesIn: this.bytes.labels({ upstream: route, direction: 'in' }),
        bytesOut: this.bytes.labels({ upstream: route, direction: 'out' }),
      };
      this.routes.set(route, m);
    }
    return m;
  }

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
