import { mask as nativeMask, unmask as nativeUnmask } from 'bufferutil';

/**
 * Below these lengths a loop here is cheaper than a call into bufferutil, whose
 * N-API entry costs more than XOR-ing a few bytes: a 1-byte round trip makes
 * three such calls, about 1 µs of the two processes' CPU (perf). ws draws the
 * same lines (48 to mask, 32 to unmask).
 */
const NATIVE_MASK_FROM = 48;
const NATIVE_UNMASK_FROM = 32;

/** Writes `length` bytes of `source`, XOR-ed with the 4-byte `key`, into `output` at `offset`. */
export function maskInto(source: Uint8Array, key: Buffer, output: Buffer, offset: number, length: number): void {
  if (length >= NATIVE_MASK_FROM) {
    nativeMask(source as Buffer, key, output, offset, length);
    return;
  }
  for (let i = 0; i < length; i++) output[offset + i] = source[i]! ^ key[i & 3]!;
}

/** XORs `buffer` in place with the 4-byte `key`. */
export function unmaskInPlace(buffer: Buffer, key: Buffer): void {
  if (buffer.length >= NATIVE_UNMASK_FROM) {
    nativeUnmask(buffer, key);
    return;
  }
  for (let i = 0; i < buffer.length; i++) buffer[i]! ^= key[i & 3]!;
}
