import { bulkOne, bulkEight } from './bulk.js';
import { latency, latencyUnderLoad } from './latency.js';
import { httpScenario } from './http.js';
import { connRate } from './connrate.js';
import { memory } from './memory.js';
import { slowReader } from './slow.js';
import type { MetricInfo, Scenario } from './types.js';

export const SCENARIOS: Scenario[] = [bulkOne, bulkEight, latency, latencyUnderLoad, httpScenario, connRate, memory, slowReader];

/** Table rows, in order. Metrics measured but not listed here still go to the JSON. */
export const METRICS: Record<string, MetricInfo> = {
  's1.fwd': { label: '1 bulk 1 stream fwd', unit: 'Gbit/s', digits: 2 },
  's1.rev': { label: '1 bulk 1 stream rev (-R)', unit: 'Gbit/s', digits: 2 },
  's2.fwd8': { label: '2 bulk 8 streams', unit: 'Gbit/s', digits: 2 },
  's3.p50': { label: '3 latency p50', unit: 'µs', digits: 0 },
  's3.p99': { label: '3 latency p99', unit: 'µs', digits: 0 },
  's3.p999': { label: '3 latency p999', unit: 'µs', digits: 0 },
  's4.p50': { label: '4 loaded latency p50', unit: 'µs', digits: 0 },
  's4.p99': { label: '4 loaded latency p99', unit: 'µs', digits: 0 },
  's4.p999': { label: '4 loaded latency p999', unit: 'µs', digits: 0 },
  's4.bulk': { label: '4 bulk beside it', unit: 'Gbit/s', digits: 2 },
  's5.tcp.rps': { label: '5 http via tcp route', unit: 'req/s', digits: 0 },
  's5.tcp.p99': { label: '5 http via tcp p99', unit: 'ms', digits: 2 },
  's5.host.rps': { label: '5 http via Host route', unit: 'req/s', digits: 0 },
  's5.host.p99': { label: '5 http via Host p99', unit: 'ms', digits: 2 },
  's6.rate': { label: '6 connections', unit: '/s', digits: 0 },
  's6.errors': { label: '6 failed connections', unit: 'count', digits: 0 },
  's7.conns': { label: '7 idle connections held', unit: 'count', digits: 0 },
  's7.start.server': { label: '7 RSS server 1.5 s after start', unit: 'MiB', digits: 1 },
  's7.start.client': { label: '7 RSS client 1.5 s after start', unit: 'MiB', digits: 1 },
  's7.idle.server': { label: '7 idle RSS server (settled)', unit: 'MiB', digits: 1 },
  's7.idle.client': { label: '7 idle RSS client (settled)', unit: 'MiB', digits: 1 },
  's7.held.server': { label: '7 RSS server, conns held', unit: 'MiB', digits: 1 },
  's7.held.client': { label: '7 RSS client, conns held', unit: 'MiB', digits: 1 },
  's7.perconn.early': { label: '7 per conn, 1.5 s after opening', unit: 'KiB', digits: 2 },
  's7.perconn': { label: '7 per connection (both, settled)', unit: 'KiB', digits: 2 },
  's8.solo': { label: '8 other stream alone', unit: 'Gbit/s', digits: 2 },
  's8.beside': { label: '8 other stream, 1 stalled', unit: 'Gbit/s', digits: 2 },
  's8.keep': { label: '8 other stream keeps', unit: '%', digits: 0 },
  's8.grow.server': { label: '8 peak RSS growth server', unit: 'MiB', digits: 1 },
  's8.grow.client': { label: '8 peak RSS growth client', unit: 'MiB', digits: 1 },
};
