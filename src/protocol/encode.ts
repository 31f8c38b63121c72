import { Flag, FrameType, HEADER_BYTES, MAX_REASON_BYTES } from './constants.js';
import type { Hello, OpenMeta } from './frame.js';

/** Writes a 10-byte header: type u8, flags u8, stream id u32, payload length u32 (big-endian). */
export function writeHeader(target: Buffer, offset: number, type: number, flags: number, streamId: number, length: number): void {
  target[offset] = type;
  target[offset + 1] = flags;
  target.writeUInt32BE(streamId, offset + 2);
  target.writeUInt32BE(length, offset + 6);
}

export function encodeHeader(type: number, flags: number, streamId: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES);
  writeHeader(b, 0, type, flags, streamId, length);
  return b;
}

/** One frame as a single buffer (header + payload). DATA on the hot path uses encodeHeader instead, to avoid the copy. */
function frame(type: number, flags: number, streamId: number, payload: Buffer | null): Buffer {
  const len = payload ? payload.length : 0;
  const b = Buffer.allocUnsafe(HEADER_BYTES + len);
  writeHeader(b, 0, type, flags, streamId, len);
  if (payload) payload.copy(b, HEADER_BYTES);
  return b;
}

function truncatedReason(reason: string): Buffer {
  const r = Buffer.from(reason, 'utf8');
  return r.length <= MAX_REASON_BYTES ? r : r.subarray(0, MAX_REASON_BYTES);
}

export function encodeData(streamId: number, payload: Buffer, fin: boolean): Buffer {
  return frame(FrameType.DATA, fin ? Flag.FIN : 0, streamId, payload);
}

export function encodeOpen(streamId: number, window: number, meta: OpenMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const p = Buffer.allocUnsafe(4 + json.length);
  p.writeUInt32BE(window, 0);
  json.copy(p, 4);
  return frame(FrameType.OPEN, 0, streamId, p);
}

export function encodeAccept(streamId: number, window: number): Buffer {
  const p = Buffer.allocUnsafe(4);
  p.writeUInt32BE(window, 0);
  return frame(FrameType.ACCEPT, 0, streamId, p);
}

export function encodeRst(streamId: number, code: number, reason = ''): Buffer {
  const r = truncatedReason(reason);
  const p = Buffer.allocUnsafe(4 + r.length);
  p.writeUInt32BE(code, 0);
  r.copy(p, 4);
  return frame(FrameType.RST, 0, streamId, p);
}

export function encodeWindow(streamId: number, increment: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES + 4);
  writeHeader(b, 0, FrameType.WINDOW, 0, streamId, 4);
  b.writeUInt32BE(increment, HEADER_BYTES);
  return b;
}

export function encodePing(opaque: Buffer, ack: boolean): Buffer {
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, opaque);
}

export function encodeGoaway(lastStreamId: number, code: number, reason = ''): Buffer {
  const r = truncatedReason(reason);
  const p = Buffer.allocUnsafe(8 + r.length);
  p.writeUInt32BE(lastStreamId, 0);
  p.writeUInt32BE(code, 4);
  r.copy(p, 8);
  return frame(FrameType.GOAWAY, 0, 0, p);
}

export function encodeHello(hello: Hello): Buffer {
  return frame(FrameType.HELLO, 0, 0, Buffer.from(JSON.stringify(hello), 'utf8'));
}
