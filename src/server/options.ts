import type { Logger } from 'pino';
import type { PortSet } from './port-set.js';
import type { TokenSource } from './token-reload.js';
import type { TokenSet } from './tokens.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** How often to check the files for a change (ms); cert-manager rotates them in place. */
  reloadInterval?: number;
}

export interface ServerOptions {
  controlAddr: string;
  controlPort: number;
  controlPath: string;
  /** Address the TCP listeners and the HTTP port bind to. */
  dataAddr: string;
  /** HTTP-by-Host port; 0 = off. */
  httpPort: number;
  allowPorts: PortSet;
  tokens: TokenSet;
  /** When given, the tokens are read again from these files whenever they change. */
  tokenSource?: TokenSource;
  tls?: TlsFiles;
  adminAddr: string;
  /** Admin port; undefined = off. 0 picks a free port. */
  adminPort?: number;
  drainTimeout: number;
  keepaliveInterval: number;
  keepaliveTimeout: number;
  /** A client must send HELLO within this long after the upgrade (ms). */
  helloTimeout?: number;
  /** Slowloris guards of the HTTP port (ms / bytes). */
  headersTimeout?: number;
  requestTimeout?: number;
  maxHeaderSize?: number;
  /** Idle keep-alive of visitor connections on the HTTP port (ms). */
  keepAliveTimeout?: number;
  /** Streams the server opens to one client at once; visitors past it are reset (TCP) or get 503 (HTTP). */
  maxStreams?: number;
  /** Receive buffers one client session may hold in all (the mux memory budget, bytes). */
  sessionMemory?: number;
  logger: Logger;
}

export const SERVER_DEFAULTS = {
  helloTimeout: 10_000,
  headersTimeout: 20_000,
  requestTimeout: 300_000,
  maxHeaderSize: 16 * 1024,
  keepAliveTimeout: 5_000,
  maxStreams: 16_384,
} as const;
