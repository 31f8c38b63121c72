/** The baseline: talk to the targets themselves, no hop. */
import type { Participant } from './types.js';

export const direct: Participant = {
  name: 'direct',
  kind: 'direct',
  describe: 'no hop: visitors connect to the targets themselves',
  start(targets) {
    return Promise.resolve({ ports: { ...targets }, watched: [], stop: () => Promise.resolve() });
  },
};
