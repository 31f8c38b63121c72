import { unmaskInPlace } from './ws-mask.js';
import { keyFrom } from './ws-frame.js';

/**
 * Reads RFC 6455 frames straight off the socket, so binary payloads reach the
 * session as views of the socket's own chunks: no message is assembled, no
 * byte copied. adit gives message boundaries no meaning, so a binary message
 * and its continuation frames are just more bytes of the frame stream.
 */

export const enum WsOpcode {
  CONTINUATION = 0x0,
  TEXT = 0x1,
  BINARY = 0x2,
  CLOSE = 0x8,
  PING = 0x9,
  PONG = 0xa,
}

/** RFC 6455 close codes this reader raises. */
export const WS_CLOSE = { NORMAL: 1000, PROTOCOL_ERROR: 1002, UNSUPPORTED_DATA: 1003 } as const;

export class WsProtocolError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

export interface WsFrameSink {
  /** Payload bytes of binary (and continuation) frames, unmasked, as views of the input. */
  data(view: Buffer): void;
  /** A whole control frame (close, ping, pong); its payload is a copy, at most 125 bytes. */
  control(opcode: WsOpcode, payload: Buffer): void;
}

const MAX_HEADER = 14;
const MAX_CONTROL_PAYLOAD = 125;

export class WsFrameReader {
  private readonly header = Buffer.allocUnsafe(MAX_HEADER);
  private headerFill = 0;
  private opcode = 0;
  private remaining = -1; // payload bytes left in the current frame; -1 = reading a header
  private readonly key = Buffer.alloc(4);
  private masked = false;
  private keyOffset = 0; // payload bytes of the current frame already unmasked (the key runs on across chunks)
  private readonly rotated = Buffer.alloc(4);
  private control: Buffer[] = [];
  private midMessage = false; // a binary message was begun and its final frame has not come yet
  private failed = false;

  /** `fromClient`: frames must be masked (the server side) or must not be (the client side). */
  constructor(private readonly sink: WsFrameSink, private readonly fromClient: boolean) {}

  /** Any chunking of the byte stream. Throws WsProtocolError on a frame this side must reject; the reader is then unusable. */
  push(chunk: Buffer): void {
    if (this.failed) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'websocket reader used after a protocol error');
    this.failed = true; // stays set if consume() throws
    this.consume(chunk);
    this.failed = false;
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      if (this.remaining < 0) {
        off = this.readHeader(chunk, off);
        if (this.remaining < 0) return; // header incomplete: the rest comes with the next chunk
        if (this.remaining === 0) this.finishFrame();
        continue;
      }
      const n = Math.min(this.remaining, len - off);
      const view = chunk.subarray(off, off + n);
      off += n;
      this.remaining -= n;
      if (this.masked) this.unmaskView(view);
      if (this.opcode >= WsOpcode.CLOSE) {
        this.control.push(Buffer.from(view));
      } else {
        this.sink.data(view);
      }
      if (this.remaining === 0) this.finishFrame();
    }
  }

  /** Parses a header from this.header plus chunk[off…]; returns the new offset. Sets remaining once whole. */
  private readHeader(chunk: Buffer, off: number): number {
    const h = this.header;
    // Take at most the header's largest size; the exact size is known after two bytes.
    while (this.headerFill < 2 && off < chunk.length) h[this.headerFill++] = chunk[off++]!;
    if (this.headerFill < 2) return off;
    const b1 = h[1]!;
    const lenCode = b1 & 0x7f;
    const size = 2 + (lenCode === 126 ? 2 : lenCode === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
    const take = Math.min(size - this.headerFill, chunk.length - off);
    chunk.copy(h, this.headerFill, off, off + take);
    this.headerFill += take;
    off += take;
    if (this.headerFill < size) return off;
    this.headerFill = 0;
    this.startFrame(h, size);
    return off;
  }

  private startFrame(h: Buffer, size: number): void {
    const b0 = h[0]!;
    const b1 = h[1]!;
    const fin = (b0 & 0x80) !== 0;
    if (b0 & 0x70) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'websocket frame with reserved bits set (no extension was negotiated)');
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.fromClient) {
      throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, this.fromClient ? 'unmasked websocket frame from a client' : 'masked websocket frame from a server');
    }
    let length = b1 & 0x7f;
    let p = 2;
    if (length === 126) {
      length = h.readUInt16BE(2);
      p = 4;
    } else if (length === 127) {
      const high = h.readUInt32BE(2);
      // 2^53 bytes is far beyond any real stream; a larger length is garbage.
      if (high > 0x1fffff) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'websocket frame length out of range');
      length = high * 2 ** 32 + h.readUInt32BE(6);
      p = 10;
    }
    if (masked) h.copy(this.key, 0, p, size);
    switch (opcode) {
      case WsOpcode.CLOSE:
      case WsOpcode.PING:
      case WsOpcode.PONG:
        if (!fin || length > MAX_CONTROL_PAYLOAD) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'fragmented or oversized websocket control frame');
        break;
      case WsOpcode.BINARY:
      case WsOpcode.TEXT:
        if (opcode === WsOpcode.TEXT) throw new WsProtocolError(WS_CLOSE.UNSUPPORTED_DATA, 'adit speaks binary frames only');
        if (this.midMessage) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'new websocket message before the previous one ended');
        this.midMessage = !fin;
        break;
      case WsOpcode.CONTINUATION:
        if (!this.midMessage) throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, 'websocket continuation frame without a message');
        this.midMessage = !fin;
        break;
      default:
        throw new WsProtocolError(WS_CLOSE.PROTOCOL_ERROR, `unknown websocket opcode ${opcode}`);
    }
    this.opcode = opcode;
    this.masked = masked && this.key.readUInt32BE(0) !== 0; // the all-zero key (adit over wss) needs no work
    this.keyOffset = 0;
    this.remaining = length;
  }

  private unmaskView(view: Buffer): void {
    unmaskInPlace(view, keyFrom(this.key, this.keyOffset, this.rotated));
    this.keyOffset += view.length;
  }

  private finishFrame(): void {
    this.remaining = -1;
    if (this.opcode < WsOpcode.CLOSE) return;
    const payload = this.control.length === 1 ? this.control[0]! : Buffer.concat(this.control);
    this.control = [];
    this.sink.control(this.opcode, payload);
  }
}
