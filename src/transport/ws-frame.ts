import { randomFillSync } from 'node:crypto';
import { maskInto } from './ws-mask.js';

/**
 * Writes adit frames as WebSocket binary messages straight to the socket under
 * ws, one message per adit frame: ws's own send() takes a single buffer, so an
 * adit header and its payload would cost either two messages or a copy.
 * RFC 6455 framing: FIN + opcode 2, then the length (7 bits, 16 or 64), then,
 * from a client, the 4-byte masking key.
 */

const FIN = 0x80;
const OPCODE_BINARY = 0x2;
const MASK_BIT = 0x80;

export type MaskMode = 'none' | 'zero' | 'random';

/** A final WebSocket frame header (binary unless told) for `length` bytes, with room for a masking key when `masked`. */
export function wsHeader(length: number, masked: boolean, opcode = OPCODE_BINARY): Buffer {
  const lenBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const h = Buffer.allocUnsafe(2 + lenBytes + (masked ? 4 : 0));
  h[0] = FIN | opcode;
  const m = masked ? MASK_BIT : 0;
  if (lenBytes === 0) {
    h[1] = m | length;
  } else if (lenBytes === 2) {
    h[1] = m | 126;
    h.writeUInt16BE(length, 2);
  } else {
    h[1] = m | 127;
    h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    h.writeUInt32BE(length >>> 0, 6);
  }
  return h;
}

const POOL_SIZE = 8192;
const rotated = Buffer.alloc(4);
let pool = Buffer.allocUnsafe(0);
let poolOffset = POOL_SIZE;

/**
 * The masking key as it applies from byte `offset` of a message on: the key runs on across the
 * message, so past a multiple of four it is `key` rotated (into `out`).
 */
export function keyFrom(key: Buffer, offset: number, out: Buffer): Buffer {
  const r = offset & 3;
  if (r === 0) return key;
  for (let i = 0; i < 4; i++) out[i] = key[(i + r) & 3]!;
  return out;
}

/** Fills `key` (4 bytes) with a fresh random masking key. */
export function fillRandomKey(key: Buffer): void {
  if (poolOffset + 4 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    poolOffset = 0;
  }
  // Four bytes by hand: Buffer#copy is a call into C++ that costs more than the bytes (once per frame).
  for (let i = 0; i < 4; i++) key[i] = pool[poolOffset++]!;
}

/** Fills the last four bytes of `header` with a fresh random masking key and returns them. */
function randomKey(header: Buffer): Buffer {
  const key = header.subarray(header.length - 4);
  fillRandomKey(key);
  return key;
}

/**
 * Room for masked copies, reused while the socket takes every write at once:
 * a fresh 64 KiB buffer per frame is memory outside V8's heap that piles up
 * until a full garbage collection, which stops the event loop for milliseconds.
 */
export class MaskArena {
  private slab = Buffer.allocUnsafe(0);
  private offset = 0;

  constructor(private readonly size = 1024 * 1024) {}

  take(n: number): Buffer {
    if (n > this.size) return Buffer.allocUnsafe(n);
    if (this.offset + n > this.slab.length) {
      // The old slab stays alive as long as queued writes still point into it.
      this.slab = Buffer.allocUnsafe(this.size);
      this.offset = 0;
    }
    const b = this.slab.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** Only when nothing handed out is still waiting to be written. */
  recycle(): void {
    this.offset = 0;
  }
}

/**
 * The buffers of one WebSocket message carrying an adit header and maybe its
 * payload (or, with another opcode, a control frame's payload in `header`).
 * Unmasked, and masked with the all-zero key, they go out as they are; a
 * random key needs one masked copy, as in any client, taken from `arena` if given.
 */
export function wsMessage(header: Buffer, payload: Buffer | undefined, mode: MaskMode, opcode = OPCODE_BINARY, arena?: MaskArena): Buffer[] {
  const length = header.length + (payload ? payload.length : 0);
  const ws = wsHeader(length, mode !== 'none', opcode);
  if (mode === 'none') return payload ? [ws, header, payload] : [ws, header];
  if (mode === 'zero') {
    ws.fill(0, ws.length - 4);
    return payload ? [ws, header, payload] : [ws, header];
  }
  const key = randomKey(ws);
  const out = arena ? arena.take(length) : Buffer.allocUnsafe(length);
  maskInto(header, key, out, 0, header.length);
  if (payload) maskInto(payload, keyFrom(key, header.length, rotated), out, header.length, payload.length);
  return [ws, out];
}
