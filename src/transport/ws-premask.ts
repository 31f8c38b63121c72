import { maskInto } from './ws-mask.js';
import { MaskArena, fillRandomKey, keyFrom, wsHeader } from './ws-frame.js';

/**
 * Masks a client's bytes as they are staged rather than as they are framed.
 *
 * Over plain ws every byte a client sends is XOR-ed with the frame's random
 * key: one more pass over the bytes, into a copy. The client's read stage
 * already makes one pass, copying each read of a target socket into its slab;
 * here that copy masks at the same time, each read with a key of its own. A
 * DATA frame whose payload is the start of such a read then goes out as it is,
 * under a frame key chosen so that it lines up with the read's key; only the
 * adit header is masked. Any other payload from the slab (the rest of a read
 * cut into several frames) gets a fresh key and one masked copy, as every
 * payload did before: no key ever masks more than one frame.
 */
export class PremaskedSlab {
  private slab: Buffer | null = null;
  /** The first `count` entries: the reads staged since the slab last started over, in slab order. */
  private count = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly keys: number[] = [];
  private readonly key = Buffer.alloc(4);
  private readonly readKey = Buffer.alloc(4);
  private readonly rotatedA = Buffer.alloc(4);
  private readonly rotatedB = Buffer.alloc(4);
  private readonly both = Buffer.alloc(4);

  /** Copies `n` bytes of `from` into `slab` at `at`, masked with a fresh key. */
  stage(from: Uint8Array, n: number, slab: Buffer, at: number): void {
    if (this.slab !== slab) {
      this.slab = slab;
      this.reset();
    }
    fillRandomKey(this.key);
    maskInto(from, this.key, slab, at, n);
    const i = this.count++;
    this.starts[i] = at;
    this.ends[i] = at + n;
    this.keys[i] = this.key.readUInt32BE(0);
  }

  /** The slab starts over: nothing staged before is referenced any more. */
  reset(): void {
    this.count = 0; // the arrays keep their room: a slab starts over thousands of times a second
  }

  /**
   * The buffers of the WebSocket message for an adit `header` and a `payload`
   * staged here, or undefined when the payload was not staged here (its bytes
   * are not masked: the caller masks as usual).
   */
  message(header: Buffer, payload: Buffer, arena: MaskArena): Buffer[] | undefined {
    const slab = this.slab;
    if (!slab || payload.buffer !== slab.buffer || payload.length === 0) return undefined;
    const at = payload.byteOffset - slab.byteOffset;
    const i = this.regionAt(at);
    if (i < 0) return undefined;
    const h = header.length;
    const ws = wsHeader(h + payload.length, true);
    const frameKey = ws.subarray(ws.length - 4);
    if (at === this.starts[i] && at + payload.length <= this.ends[i]!) {
      // The payload's first byte was masked with the read's key at phase 0: the frame key is that key
      // rotated back by the header's length, so that it reaches phase 0 where the payload begins.
      // Every byte is framed once, so only one frame ever starts here: the key masks no other frame.
      this.readKey.writeUInt32BE(this.keys[i]!, 0);
      for (let b = 0; b < 4; b++) frameKey[b] = this.readKey[(b - h) & 3]!;
      const masked = arena.take(h);
      maskInto(header, frameKey, masked, 0, h);
      return [ws, masked, payload];
    }
    // A fresh key for this frame; each staged byte is re-masked from its read's key to it in one pass.
    fillRandomKey(frameKey);
    const out = arena.take(h + payload.length);
    maskInto(header, frameKey, out, 0, h);
    let pos = at;
    const end = at + payload.length;
    for (let r = i; pos < end; r++) {
      // Reads are staged back to back, so a payload running past one read continues in the next.
      if (r >= this.count || this.starts[r]! > pos) throw new Error('a frame payload reaches past the staged bytes');
      const upTo = Math.min(end, this.ends[r]!);
      this.readKey.writeUInt32BE(this.keys[r]!, 0);
      const readKeyHere = keyFrom(this.readKey, pos - this.starts[r]!, this.rotatedA);
      const frameKeyHere = keyFrom(frameKey, h + pos - at, this.rotatedB);
      for (let b = 0; b < 4; b++) this.both[b] = readKeyHere[b]! ^ frameKeyHere[b]!;
      maskInto(slab.subarray(pos, upTo), this.both, out, h + pos - at, upTo - pos);
      pos = upTo;
    }
    return [ws, out];
  }

  /** The index of the staged read holding slab offset `at`, or -1. */
  private regionAt(at: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! <= at) lo = mid + 1;
      else if (this.starts[mid]! > at) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}
