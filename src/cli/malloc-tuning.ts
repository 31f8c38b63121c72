import { scryptSync } from 'node:crypto';

/**
 * One allocation of this size, made and freed once at start-up, raises glibc's
 * mmap threshold to it and its trim threshold to twice it (glibc adjusts both
 * when a mapped chunk is freed, for chunks up to 32 MiB on 64-bit). 20 MiB
 * leaves a trim threshold of 40 MiB: above the ~32 MiB of socket read buffers
 * V8 lets pile up between two scavenges (it scavenges when young ArrayBuffers
 * reach twice its largest semi-space).
 */
const ALLOCATION_BYTES = 20 * 1024 * 1024;

/** glibc's tuning variables: an operator who set one chose the thresholds, and glibc then keeps them fixed. */
const GLIBC_MALLOC_ENV = /^MALLOC_(TRIM_THRESHOLD|MMAP_THRESHOLD|TOP_PAD|MMAP_MAX)_$|^GLIBC_TUNABLES$/;

/**
 * Stops glibc from handing the relay's read buffers back to the kernel after
 * every scavenge and faulting them in again: under a bulk stream that was
 * 25,000-70,000 page faults a second in each process (a brk() up and down every
 * ~40 ms), and 5-13 % of the forward throughput (docs/benchmarks.md).
 *
 * Node has no mallopt(); freeing one large mapped chunk is what makes glibc move
 * the thresholds. scrypt is the one public API that mallocs and frees a buffer
 * of a chosen size synchronously (OpenSSL allocates its 128·r·N bytes in one
 * block): 16,384 × 10 blocks of 128 bytes, about 40 ms once. The cost is that
 * up to 40 MiB freed at the top of the heap stays mapped after a burst instead
 * of going back at once. Elsewhere (musl) it only costs the 40 ms.
 */
export function tuneMallocForRelay(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ADIT_MALLOC_TUNING === 'off' || Object.keys(env).some((k) => GLIBC_MALLOC_ENV.test(k))) return;
  const r = 10;
  const n = ALLOCATION_BYTES / (128 * r);
  scryptSync('', '', 1, { N: n, r, p: 1, maxmem: 2 * ALLOCATION_BYTES });
}
