/**
 * Incremental parser of HTTP/1.x responses coming back from an upstream over a
 * tunnel stream. It finds where each response ends (RFC 9112 §6.3: HEAD, 1xx,
 * 204 and 304 have no body; chunked; Content-Length; otherwise until close) and
 * hands out the head and the decoded body, so the server can answer its visitor
 * and put the stream back in the pool without Node's http client per request.
 */
import { AditError } from '../protocol/index.js';

export const BAD_RESPONSE = 'ADIT_ERR_BAD_RESPONSE';

export interface ResponseHead {
  status: number;
  reason: string;
  /** Header lines as received: name, value, name, value… (names in their original case). */
  headers: string[];
  /** The stream may carry another request after this response. */
  keepAlive: boolean;
}

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  /** A piece of the decoded body: a view into the pushed chunk, valid only during the call unless kept. */
  onBody(chunk: Buffer): void;
  onDone(): void;
}

const enum St {
  Idle,
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** tchar of RFC 9110 §5.6.2, by char code. */
const TCHAR = new Uint8Array(127);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[ch.charCodeAt(0)] = 1;
/** NUL, or a CR or LF that is not part of a CRLF. */
const BAD_CHARS = /\0|\r(?!\n)|(?<!\r)\n/;
const MAX_LINE = 8 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

function bad(message: string): AditError {
  return new AditError(BAD_RESPONSE, `upstream response: ${message}`);
}

export class ResponseParser {
  private st = St.Idle;
  private noBody = false;
  private remaining = 0;
  private pending: Buffer | undefined;
  private line = '';
  private trailerBytes = 0;
  private keepAlive = false;

  constructor(private readonly maxHead = 64 * 1024) {}

  /** Expects the response to a new request; `head` says it was a HEAD request (no body whatever the headers say). */
  start(head: boolean): void {
    this.st = St.Head;
    this.noBody = head;
    this.pending = undefined;
    this.line = '';
    this.trailerBytes = 0;
  }

  /** True between start() and the end of the final response. */
  get busy(): boolean {
    return this.st !== St.Idle && this.st !== St.Done;
  }

  /** Whether the body runs until the stream ends (no framing). */
  get untilClose(): boolean {
    return this.st === St.UntilClose;
  }

  /** Feeds bytes from the stream. Throws an AditError (code ADIT_ERR_BAD_RESPONSE) on malformed input or bytes after the response. */
  push(chunk: Buffer, sink: ResponseSink): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.st) {
        case St.Head: {
          pos = this.head(chunk, pos, sink);
          break;
        }
        case St.Fixed: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          sink.onBody(pos === 0 && n === len ? chunk : chunk.subarray(pos, pos + n));
          pos += n;
          if (this.remaining === 0) this.finish(sink);
          break;
        }
        case St.ChunkData: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          sink.onBody(chunk.subarray(pos, pos + n));
          pos += n;
          if (this.remaining === 0) this.st = St.ChunkDataEnd;
          break;
        }
        case St.ChunkSize:
        case St.ChunkDataEnd:
        case St.Trailers: {
          const nl = chunk.indexOf(10, pos);
          const end = nl < 0 ? len : nl + 1;
          this.line += chunk.toString('latin1', pos, end);
          if (this.line.length > MAX_LINE) throw bad('chunk line too long');
          pos = end;
          if (nl >= 0) this.chunkLine(sink);
          break;
        }
        case St.UntilClose: {
          sink.onBody(pos === 0 ? chunk : chunk.subarray(pos));
          pos = len;
          break;
        }
        default:
          throw bad(this.st === St.Done ? 'bytes after the end of the response' : 'bytes before any request');
      }
    }
  }

  /** The stream ended: completes a body that runs until close, or throws if the response was cut short. */
  end(sink: ResponseSink): void {
    if (this.st === St.UntilClose) {
      this.st = St.Done;
      sink.onDone();
      return;
    }
    if (this.busy) throw bad('the stream ended before the response was complete');
  }

  private finish(sink: ResponseSink): void {
    this.st = St.Done;
    sink.onDone();
  }

  /** Reads the head; returns the position after it (or after the chunk, if the head is not complete yet). */
  private head(chunk: Buffer, pos: number, sink: ResponseSink): number {
    let buf = chunk;
    let from = pos;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk.subarray(pos)]);
      from = 0;
    }
    // The terminator may straddle the previous chunk: search from 3 bytes before the new data.
    const searchFrom = this.pending ? Math.max(0, this.pending.length - 3) : from;
    const at = buf.indexOf(CRLFCRLF, searchFrom);
    if (at < 0) {
      if (buf.length - from > this.maxHead) throw bad('head too large');
      this.pending = from === 0 ? buf : buf.subarray(from);
      if (this.pending === chunk) this.pending = Buffer.from(chunk); // the caller may reuse its chunk
      return chunk.length;
    }
    if (at - from > this.maxHead) throw bad('head too large');
    const consumedOfBuf = at + 4;
    const text = buf.toString('latin1', from, at);
    const pendingLen = this.pending ? this.pending.length : 0;
    this.pending = undefined;
    this.parseHead(text, sink);
    // Position in `chunk` right after the head.
    return this.pendingAdjust(consumedOfBuf, pendingLen, pos);
  }

  private pendingAdjust(consumedOfBuf: number, pendingLen: number, pos: number): number {
    return pendingLen ? pos + (consumedOfBuf - pendingLen) : consumedOfBuf;
  }

  private parseHead(text: string, sink: ResponseSink): void {
    if (BAD_CHARS.test(text)) throw bad('NUL, or CR or LF outside a line end, in the head');
    let pos = text.indexOf('\r\n');
    if (pos < 0) pos = text.length;
    const sl = text.slice(0, pos);
    // HTTP/1.x SP 3DIGIT [SP reason]
    const minor = sl.charCodeAt(7) - 48;
    const status = statusOf(sl);
    if (!sl.startsWith('HTTP/1.') || (minor !== 0 && minor !== 1) || sl.charCodeAt(8) !== 32 || status < 0 || (sl.length > 12 && sl.charCodeAt(12) !== 32)) {
      throw bad('not an HTTP/1.x status line');
    }
    const reason = sl.length > 13 ? sl.slice(13) : '';
    const headers: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let hasTe = false;
    let close = minor === 0;
    while (pos < text.length) {
      const start = pos + 2;
      let end = text.indexOf('\r\n', start);
      if (end < 0) end = text.length;
      const colon = text.indexOf(':', start);
      if (colon <= start || colon >= end) throw bad('malformed header line');
      for (let k = start; k < colon; k++) {
        const ch = text.charCodeAt(k);
        if (ch > 126 || TCHAR[ch] === 0) throw bad('invalid header name');
      }
      let vs = colon + 1;
      while (vs < end && isOws(text.charCodeAt(vs))) vs++;
      let ve = end;
      while (ve > vs && isOws(text.charCodeAt(ve - 1))) ve--;
      const name = text.slice(start, colon);
      const value = text.slice(vs, ve);
      headers.push(name, value);
      pos = end;
      // Only the framing headers are looked at here; the rest pass through as they are.
      const c = name.charCodeAt(0) | 0x20;
      if (c === 0x63 /* c */ && name.length === 14 && name.toLowerCase() === 'content-length') {
        contentLength = mergeLength(contentLength, value);
      } else if (c === 0x74 /* t */ && name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
        hasTe = true;
        const codings = value.toLowerCase().split(',');
        chunked = codings[codings.length - 1].trim() === 'chunked';
      } else if (c === 0x63 && name.length === 10 && name.toLowerCase() === 'connection') {
        const tokens = value.toLowerCase();
        if (/(?:^|,)\s*close\s*(?:,|$)/.test(tokens)) close = true;
        else if (minor === 0 && /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens)) close = false;
      }
    }
    if (status < 200) {
      // 101 belongs to upgrades, which never come this way; other 1xx are interim and are skipped.
      if (status === 101) throw bad('101 Switching Protocols to a request that did not ask to upgrade');
      this.st = St.Head;
      return;
    }
    if (this.noBody || status === 204 || status === 304) {
      this.keepAlive = !close;
      sink.onHead({ status, reason, headers, keepAlive: this.keepAlive });
      this.finish(sink);
      return;
    }
    if (hasTe) {
      // With Transfer-Encoding, Content-Length is ignored (and the connection is not to be trusted after it).
      this.keepAlive = chunked && !close && contentLength < 0;
      this.st = chunked ? St.ChunkSize : St.UntilClose;
    } else if (contentLength >= 0) {
      this.keepAlive = !close;
      this.remaining = contentLength;
      this.st = St.Fixed;
    } else {
      this.keepAlive = false;
      this.st = St.UntilClose;
    }
    sink.onHead({ status, reason, headers, keepAlive: this.keepAlive });
    if (this.st === St.Fixed && this.remaining === 0) this.finish(sink);
  }

  private chunkLine(sink: ResponseSink): void {
    const l = this.line;
    this.line = '';
    if (l.length < 2 || l.charCodeAt(l.length - 2) !== 13) throw bad('chunk line without CRLF');
    const body = l.slice(0, -2);
    if (this.st === St.ChunkDataEnd) {
      if (body.length) throw bad('chunk data longer than its size');
      this.st = St.ChunkSize;
      return;
    }
    if (this.st === St.Trailers) {
      this.trailerBytes += l.length;
      if (this.trailerBytes > this.maxHead) throw bad('trailers too large');
      if (!body.length) this.finish(sink);
      return;
    }
    const semi = body.indexOf(';');
    const hex = (semi < 0 ? body : body.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw bad('invalid chunk size');
    const size = parseInt(hex, 16);
    if (size === 0) {
      this.st = St.Trailers;
      return;
    }
    this.remaining = size;
    this.st = St.ChunkData;
  }
}

function isOws(ch: number): boolean {
  return ch === 32 || ch === 9;
}

/** The status code of a status line (chars 9-11), or -1 if they are not 3 digits from 100. */
function statusOf(line: string): number {
  if (line.length < 12) return -1;
  const a = line.charCodeAt(9) - 48;
  const b = line.charCodeAt(10) - 48;
  const c = line.charCodeAt(11) - 48;
  if (a < 1 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

/** Content-Length, merging repeats: "5" and "5, 5" are 5; different values are an error. */
function mergeLength(prev: number, value: string): number {
  let out = prev;
  for (const part of value.split(',')) {
    const p = part.trim();
    if (!/^\d{1,15}$/.test(p)) throw bad('invalid Content-Length');
    const n = Number(p);
    if (out >= 0 && out !== n) throw bad('conflicting Content-Length values');
    out = n;
  }
  return out;
}
