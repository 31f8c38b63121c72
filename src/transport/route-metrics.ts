import type { Counter, Gauge } from 'prom-client';

/** The per-route children of a side's stream and byte metrics. */
export interface RouteMetrics {
  streamsTotal: { inc(n?: number): void };
  streamsOpen: { inc(n?: number): void; dec(n?: number): void };
  bytesIn: { inc(n?: number): void };
  bytesOut: { inc(n?: number): void };
}

/** Counts since the last scrape. */
class Tally {
  pending = 0;
  inc(n = 1): void {
    this.pending += n;
  }
}

/** A gauge's current value, and whether the scrape has not seen it yet. */
class Level {
  value = 0;
  dirty = false;
  inc(n = 1): void {
    this.value += n;
    this.dirty = true;
  }
  dec(n = 1): void {
    this.value -= n;
    this.dirty = true;
  }
}

interface Entry {
  streamsTotal: Tally;
  streamsOpen: Level;
  bytesIn: Tally;
  bytesOut: Tally;
}

/** Runs `flush` whenever prom-client reads the metric (each scrape), before any collect() it already had. */
function beforeCollect(metric: Counter | Gauge, flush: () => void): void {
  const m = metric as unknown as { collect?: () => unknown };
  const previous = m.collect;
  m.collect = function (this: unknown) {
    flush();
    return previous?.call(this);
  };
}

/**
 * Returns a lookup of per-route stream and byte counts, one entry per route.
 * Connections and chunks add to plain numbers, handed to prom-client when it
 * is scraped: a labelled child's inc() hashes its label set into a new string
 * on every call, which a busy port would pay several times per connection and
 * per chunk. Routes are the declared upstreams, so the map stays small.
 */
export function routeMetricsCache(m: { streamsTotal: Counter; streamsOpen: Gauge; bytes: Counter }): (route: string) => RouteMetrics {
  const cache = new Map<string, Entry>();
  const flush = (): void => {
    for (const [route, e] of cache) {
      if (e.streamsTotal.pending > 0) {
        m.streamsTotal.inc({ upstream: route }, e.streamsTotal.pending);
        e.streamsTotal.pending = 0;
      }
      if (e.streamsOpen.dirty) {
        m.streamsOpen.set({ upstream: route }, e.streamsOpen.value);
        e.streamsOpen.dirty = false;
      }
      if (e.bytesIn.pending > 0) {
        m.bytes.inc({ upstream: route, direction: 'in' }, e.bytesIn.pending);
        e.bytesIn.pending = 0;
      }
      if (e.bytesOut.pending > 0) {
        m.bytes.inc({ upstream: route, direction: 'out' }, e.bytesOut.pending);
        e.bytesOut.pending = 0;
      }
    }
  };
  beforeCollect(m.streamsTotal, flush);
  beforeCollect(m.streamsOpen, flush);
  beforeCollect(m.bytes, flush);
  return (route) => {
    let e = cache.get(route);
    if (!e) {
      e = { streamsTotal: new Tally(), streamsOpen: new Level(), bytesIn: new Tally(), bytesOut: new Tally() };
      cache.set(route, e);
    }
    return e;
  };
}
