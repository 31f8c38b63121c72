import type { EventEmitter } from 'node:events';

/**
 * What a session needs from the connection under it: an ordered, reliable byte
 * pipe. Message boundaries (if the transport has them) carry no meaning.
 *
 * Events: 'data' (chunk: Buffer), 'drain' (), 'close' (err?: Error).
 * 'close' is emitted exactly once, whether the far end closed, the connection
 * failed, or close()/destroy() was called.
 */
export interface Transport extends EventEmitter {
  /** Queue bytes. Returns false once the caller should wait for 'drain'. */
  write(header: Buffer, payload?: Buffer): boolean;
  /** Batch several writes into one system call where the transport can. */
  cork(): void;
  uncork(): void;
  /** Bytes accepted by write() and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Orderly close: flush what is queued, then close. */
  close(): void;
  /** Abrupt close: drop what is queued. */
  destroy(err?: Error): void;
  /** Free-form description of the far end, for logs (address:port). */
  readonly remote: string;
}
