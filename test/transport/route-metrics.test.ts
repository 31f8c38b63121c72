import test from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Registry } from 'prom-client';
import { routeMetricsCache } from '../../src/transport/route-metrics.js';

function metricsOf() {
  const registry = new Registry();
  const m = {
    streamsTotal: new Counter({ name: 't_streams_total', help: 'h', labelNames: ['upstream'], registers: [registry] }),
    streamsOpen: new Gauge({ name: 't_streams_open', help: 'h', labelNames: ['upstream'], registers: [registry] }),
    bytes: new Counter({ name: 't_bytes_total', help: 'h', labelNames: ['upstream', 'direction'], registers: [registry] }),
  };
  return { registry, m, forRoute: routeMetricsCache(m) };
}

test('counts made between scrapes appear in the next scrape, and add up across scrapes', async () => {
  const { registry, forRoute } = metricsOf();
  const a = forRoute('tcp:7000');
  assert.equal(forRoute('tcp:7000'), a, 'one entry per route');
  a.streamsTotal.inc();
  a.streamsTotal.inc();
  a.streamsOpen.inc();
  a.streamsOpen.inc();
  a.streamsOpen.dec();
  a.bytesIn.inc(10);
  a.bytesOut.inc(3);
  forRoute('http:x.test').bytesIn.inc(5);
  let text = await registry.metrics();
  assert.match(text, /t_streams_total\{upstream="tcp:7000"\} 2\n/);
  assert.match(text, /t_streams_open\{upstream="tcp:7000"\} 1\n/);
  assert.match(text, /t_bytes_total\{upstream="tcp:7000",direction="in"\} 10\n/);
  assert.match(text, /t_bytes_total\{upstream="tcp:7000",direction="out"\} 3\n/);
  assert.match(text, /t_bytes_total\{upstream="http:x.test",direction="in"\} 5\n/);
  a.streamsTotal.inc();
  a.streamsOpen.dec();
  a.bytesIn.inc(1);
  text = await registry.metrics();
  assert.match(text, /t_streams_total\{upstream="tcp:7000"\} 3\n/);
  assert.match(text, /t_streams_open\{upstream="tcp:7000"\} 0\n/);
  assert.match(text, /t_bytes_total\{upstream="tcp:7000",direction="in"\} 11\n/);
  // Reading one metric alone is up to date too.
  a.bytesOut.inc(4);
  const bytes = await registry.getSingleMetric('t_bytes_total')!.get();
  assert.equal(bytes.values.find((v) => v.labels.direction === 'out' && v.labels.upstream === 'tcp:7000')?.value, 7);
});
