import { Flag, FrameType, HEADER_BYTES, MAX_FRAME_PAYLOAD, MAX_HELLO_PAYLOAD, MAX_REASON_BYTES } from './constants.js';
import { WireCode, protocolError } from './codes.js';
import type { ControlFrame, Hello, OpenMeta } from './frame.js';

/** Receives decoded frames. DATA payloads arrive in one or more pieces between dataStart and dataEnd. */
export interface FrameHandler {
  dataStart(streamId: number, length: number, flags: number): void;
  data(streamId: number, chunk: Buffer): void;
  dataEnd(streamId: number, flags: number): void;
  control(frame: ControlFrame): void;
}

export interface DecoderLimits {
  maxFramePayload?: number;
  maxHelloPayload?: number;
}

/**
 * Restartable frame decoder: push() any chunking of the byte stream. It keeps
 * at most one partial header and one partial control payload; DATA payload
 * pieces are handed on as views of the input, never copied.
 * Malformed input throws an AditError with a protocol code; the decoder is then
 * unusable (the session must close).
 */
export class FrameDecoder {
  private readonly header = Buffer.allocUnsafe(HEADER_BYTES);
  private headerFill = 0;
  private type = 0;
  private flags = 0;
  private streamId = 0;
  private remaining = -1; // payload bytes still expected for the current frame; -1 = reading a header
  private parts: Buffer[] = [];
  private partsLen = 0;
  private failed = false;
  private readonly maxFrame: number;
  private readonly maxHello: number;

  constructor(private readonly handler: FrameHandler, limits: DecoderLimits = {}) {
    this.maxFrame = limits.maxFramePayload ?? MAX_FRAME_PAYLOAD;
    this.maxHello = limits.maxHelloPayload ?? MAX_HELLO_PAYLOAD;
  }

  push(chunk: Buffer): void {
    if (this.failed) throw protocolError('decoder used after a protocol error');
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      if (this.remaining < 0) {
        const need = HEADER_BYTES - this.headerFill;
        if (this.headerFill === 0 && len - off >= HEADER_BYTES) {
          this.readHeader(chunk, off);
          off += HEADER_BYTES;
        } else {
          const n = Math.min(need, len - off);
          chunk.copy(this.header, this.headerFill, off, off + n);
          this.headerFill += n;
          off += n;
          if (this.headerFill < HEADER_BYTES) return;
          this.headerFill = 0;
          this.readHeader(this.header, 0);
        }
        if (this.remaining === 0) this.finishFrame(null);
        continue;
      }
      const n = Math.min(this.remaining, len - off);
      if (this.type === FrameType.DATA) {
        this.handler.data(this.streamId, chunk.subarray(off, off + n));
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.finishFrame(null);
      } else if (this.partsLen === 0 && n === this.remaining) {
        const whole = chunk.subarray(off, off + n);
        off += n;
        this.remaining = 0;
        this.finishFrame(whole);
      } else {
        this.parts.push(chunk.subarray(off, off + n));
        this.partsLen += n;
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) {
          const whole = Buffer.concat(this.parts, this.partsLen);
          this.parts = [];
          this.partsLen = 0;
          this.finishFrame(whole);
        }
      }
    }
  }

  private readHeader(b: Buffer, off: number): void {
    const type = b[off]!;
    const flags = b[off + 1]!;
    const streamId = b.readUInt32BE(off + 2);
    const length = b.readUInt32BE(off + 6);
    if (type > FrameType.HELLO) throw protocolError(`unknown frame type 0x${type.toString(16)}`);
    const limit = type === FrameType.HELLO ? this.maxHello : this.maxFrame;
    if (length > limit) throw protocolError(`frame of type ${type} has length ${length}, over the limit ${limit}`, WireCode.FRAME_SIZE_ERROR);
    checkShape(type, streamId, length);
    this.type = type;
    this.flags = flags;
    this.streamId = streamId;
    this.remaining = length;
    if (type === FrameType.DATA) this.handler.dataStart(streamId, length, flags);
  }

  private finishFrame(payload: Buffer | null): void {
    this.remaining = -1;
    if (this.type === FrameType.DATA) {
      this.handler.dataEnd(this.streamId, this.flags);
      return;
    }
    this.handler.control(parseControl(this.type, this.flags, this.streamId, payload ?? EMPTY));
  }
}

const EMPTY = Buffer.alloc(0);

/** Checks what the header alone can tell: which frames need a stream id, and fixed payload sizes. */
function checkShape(type: number, streamId: number, length: number): void {
  const onSession = type === FrameType.PING || type === FrameType.GOAWAY || type === FrameType.HELLO;
  if (onSession && streamId !== 0) throw protocolError(`frame type ${type} must use stream 0`);
  if (!onSession && type !== FrameType.WINDOW && streamId === 0) throw protocolError(`frame type ${type} needs a stream id`);
  switch (type) {
    case FrameType.ACCEPT:
    case FrameType.WINDOW:
      if (length !== 4) throw protocolError(`frame type ${type} must carry 4 bytes, not ${length}`, WireCode.FRAME_SIZE_ERROR);
      break;
    case FrameType.PING:
      if (length !== 8) throw protocolError(`PING must carry 8 bytes, not ${length}`, WireCode.FRAME_SIZE_ERROR);
      break;
    case FrameType.OPEN:
    case FrameType.RST:
      if (length < 4) throw protocolError(`frame type ${type} needs at least 4 bytes`, WireCode.FRAME_SIZE_ERROR);
      if (type === FrameType.RST && length > 4 + MAX_REASON_BYTES) throw protocolError('RST reason too long', WireCode.FRAME_SIZE_ERROR);
      break;
    case FrameType.GOAWAY:
      if (length < 8 || length > 8 + MAX_REASON_BYTES) throw protocolError(`GOAWAY length ${length} is invalid`, WireCode.FRAME_SIZE_ERROR);
      break;
    case FrameType.HELLO:
      if (length === 0) throw protocolError('HELLO must carry a JSON object', WireCode.FRAME_SIZE_ERROR);
      break;
  }
}

function parseJsonObject(p: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(p.toString('utf8'));
  } catch {
    throw protocolError(`${what} is not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw protocolError(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function parseControl(type: number, flags: number, streamId: number, p: Buffer): ControlFrame {
  switch (type) {
    case FrameType.OPEN: {
      const window = p.readUInt32BE(0);
      const meta = parseJsonObject(p.subarray(4), 'OPEN metadata');
      if (typeof meta.route !== 'string') throw protocolError('OPEN metadata needs a string "route"');
      if (meta.peer !== undefined && typeof meta.peer !== 'string') throw protocolError('OPEN "peer" must be a string');
      return { type: FrameType.OPEN, streamId, window, meta: meta as OpenMeta };
    }
    case FrameType.ACCEPT:
      return { type: FrameType.ACCEPT, streamId, window: p.readUInt32BE(0) };
    case FrameType.RST:
      return { type: FrameType.RST, streamId, code: p.readUInt32BE(0), reason: p.toString('utf8', 4) };
    case FrameType.WINDOW: {
      const increment = p.readUInt32BE(0);
      if (increment === 0) throw protocolError('WINDOW increment must be at least 1');
      return { type: FrameType.WINDOW, streamId, increment };
    }
    case FrameType.PING:
      return { type: FrameType.PING, ack: (flags & Flag.ACK) !== 0, opaque: Buffer.from(p) };
    case FrameType.GOAWAY:
      return { type: FrameType.GOAWAY, lastStreamId: p.readUInt32BE(0), code: p.readUInt32BE(4), reason: p.toString('utf8', 8) };
    default: {
      const hello = parseJsonObject(p, 'HELLO');
      if (typeof hello.v !== 'number' || !Number.isInteger(hello.v)) throw protocolError('HELLO needs an integer "v"');
      if (hello.caps !== undefined && !(Array.isArray(hello.caps) && hello.caps.every((c) => typeof c === 'string'))) {
        throw protocolError('HELLO "caps" must be a list of strings');
      }
      return { type: FrameType.HELLO, hello: hello as Hello };
    }
  }
}
