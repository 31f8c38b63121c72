import type { Session } from '../mux/index.js';

/** One connected tunnel client, as the server keeps it. */
export interface ClientHandle {
  readonly clientId: string;
  readonly session: Session;
  /** Label of the token it used (never the token). */
  readonly tokenLabel: string;
  readonly remote: string;
  readonly connectedAt: Date;
  /** Software version the client reported in HELLO, if any. */
  readonly version: string | undefined;
  /** Routes it holds right now. */
  readonly routes: Set<string>;
  /** Set when a newer session of the same client id took over. */
  replaced: boolean;
}
