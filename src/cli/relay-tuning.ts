import type { Logger } from 'pino';
import { tuneGcForRelay } from './gc-tuning.js';
import { tuneMallocForRelay } from './malloc-tuning.js';

/** The runtime tuning both long-running relays (`adit server`, `adit client`) get: docs/deploy.md. */
export function tuneRelayProcess(log: Logger): void {
  tuneMallocForRelay();
  tuneGcForRelay((marking) => log.debug({ incrementalMarking: marking }, marking ? 'idle: incremental marking back on' : 'busy: incremental marking off'));
}
