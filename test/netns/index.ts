export { createNatTopology, cleanStaleNamespaces, NatTopology, ADDR, IFACE, type Place } from './topology.js';
export { netnsSupport, skipUnlessNetns, type Support } from './capability.js';
export { partition, heal, setLoss, clearLoss, setRate, clearRate, forwardCounters } from './impair.js';
export { startDelayRelay, type DelayRelay, type DelayRelayOptions } from './delay-relay.js';
export { DialError, type Accepted, type NsListener, type DialOptions } from './bridge.js';
export { run, must, spawnInNetns, runInNetns, type RunResult } from './exec.js';
export { spawnAditIn, type NsAdit, type LogLine } from './adit.js';
