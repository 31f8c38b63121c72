import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { Duplex } from 'node:stream';

const POOL = randomBytes(4 * 1024 * 1024);
const CHUNK = 256 * 1024;

/** Writes `total` bytes of varied data with backpressure, hashing what it wrote; ends the stream after. */
export function sendHashed(s: Duplex, total: number): Promise<string> {
  const hash = createHash('sha256');
  let sent = 0;
  let i = 0;
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    const pump = (): void => {
      while (sent < total) {
        const off = (i++ * 7919 * 13) % (POOL.length - CHUNK);
        const n = Math.min(CHUNK, total - sent);
        const chunk = POOL.subarray(off, off + n);
        hash.update(chunk);
        sent += n;
        if (!s.write(chunk)) { s.once('drain', pump); return; }
      }
      s.end(() => resolve(hash.digest('hex')));
    };
    pump();
  });
}

/** Hashes everything read until a clean end; rejects on error (a truncation must not look like success). */
export function receiveHashed(s: Duplex): Promise<{ sha256: string; bytes: number }> {
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    s.on('data', (c: Buffer) => { hash.update(c); bytes += c.length; });
    s.on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
    s.on('error', reject);
  });
}
