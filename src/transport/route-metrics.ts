import type { Counter, Gauge } from 'prom-client';

/** The per-route children of a side's stream and byte metrics. */
export interface RouteMetrics {
  streamsTotal: { inc(n?: number): void };
  streamsOpen: { inc(n?: number): void; dec(n?: number): void };
  bytesIn: { inc(n?: number): void };
  bytesOut: { inc(n?: number): void };
}

/**
 * Returns a lookup of per-route metric children, each made once: labels()
 * hashes the labels and binds a fresh set of functions on every call, which a
 * busy port would pay on every connection. Routes are the declared upstreams,
 * so the cache stays small.
 */
export function routeMetricsCache(m: { streamsTotal: Counter; streamsOpen: Gauge; bytes: Counter }): (route: string) => RouteMetrics {
  const cache = new Map<string, RouteMetrics>();
  return (route) => {
    let r = cache.get(route);
    if (!r) {
      r = {
        streamsTotal: m.streamsTotal.labels({ upstream: route }),
        streamsOpen: m.streamsOpen.labels({ upstream: route }),
        bytesIn: m.bytes.labels({ upstream: route, direction: 'in' }),
        bytesOut: m.bytes.labels({ upstream: route, direction: 'out' }),
      };
      cache.set(route, r);
    }
    return r;
  };
}
