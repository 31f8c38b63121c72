export { Session, type SessionStats } from './session.js';
export { MuxStream } from './stream.js';
export type { Transport } from './transport.js';
export { DEFAULTS as SESSION_DEFAULTS, type SessionOptions } from './config.js';
