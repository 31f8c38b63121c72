// bufferutil ships no types; these are the two functions ws uses from it.
declare module 'bufferutil' {
  export function mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  export function unmask(buffer: Buffer, mask: Buffer): void;
}
