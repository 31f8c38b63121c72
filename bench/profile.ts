/** How long and how hard each scenario runs: --quick (< 2 min) or the default (~10 min). */
export interface Profile {
  name: 'quick' | 'default';
  reps: number;
  bulkSeconds: number;
  latencySamples: number;
  latencyMaxMs: number;
  underLoadMs: number;
  httpSeconds: number;
  httpConnections: number;
  connSeconds: number;
  connConcurrency: number;
  connWarmupMs: number;
  idleConnections: number;
  /** Scenario 7 reads RSS again after this long without traffic: V8's memory reducer runs about 8 s after the last activity. */
  memorySettleMs: number;
  slowMs: number;
  slowSettleMs: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  default: {
    name: 'default',
    reps: 3,
    bulkSeconds: 3,
    latencySamples: 10_000,
    latencyMaxMs: 2000,
    underLoadMs: 2000,
    httpSeconds: 3,
    httpConnections: 64,
    connSeconds: 2,
    connConcurrency: 32,
    connWarmupMs: 1000,
    idleConnections: 10_000,
    memorySettleMs: 12_000,
    slowMs: 2500,
    slowSettleMs: 1000,
  },
  // One repetition with short phases: a smoke run of every participant and scenario, not a result.
  quick: {
    name: 'quick',
    reps: 1,
    bulkSeconds: 1,
    latencySamples: 2000,
    latencyMaxMs: 1000,
    underLoadMs: 1000,
    httpSeconds: 1,
    httpConnections: 64,
    connSeconds: 1,
    connConcurrency: 32,
    connWarmupMs: 500,
    idleConnections: 2000,
    // Too short for V8's memory reducer: the settled readings of a quick run are not settled.
    memorySettleMs: 3000,
    slowMs: 1000,
    slowSettleMs: 500,
  },
};
