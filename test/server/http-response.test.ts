/** The upstream response parser: framing by the rules of RFC 9112 §6.3, across arbitrary chunk boundaries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ResponseParser, type ResponseHead } from '../../src/server/http-response.js';

interface Seen {
  heads: ResponseHead[];
  body: Buffer[];
  done: number;
}

function sink(seen: Seen) {
  return {
    onHead: (h: ResponseHead) => seen.heads.push(h),
    onBody: (c: Buffer) => seen.body.push(Buffer.from(c)),
    onDone: () => seen.done++,
  };
}

/** Feeds `bytes` cut at `cuts`; returns what the parser reported, or the error it threw. */
function parse(bytes: Buffer, cuts: number[], o: { head?: boolean; eof?: boolean } = {}): Seen & { error?: string } {
  const p = new ResponseParser();
  p.start(o.head ?? false);
  const seen: Seen = { heads: [], body: [], done: 0 };
  const s = sink(seen);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const at of [...points, bytes.length]) {
      if (at > from) p.push(bytes.subarray(from, at), s);
      from = Math.max(from, at);
    }
    if (o.eof) p.end(s);
  } catch (e) {
    return { ...seen, error: (e as { code?: string; message: string }).message };
  }
  return seen;
}

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) => !/^(content-length|transfer-encoding|connection)$/i.test(n));
const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const extraHeaders = fc.array(fc.tuple(token, value), { maxLength: 6 });
const bodyBytes = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));

function headText(status: number, headers: [string, string][]): string {
  return `HTTP/1.1 ${status} Reason Here\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function chunked(body: Buffer, sizes: number[], ext: boolean, trailers: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of sizes) {
    if (at >= body.length) break;
    const n = Math.min(Math.max(1, s), body.length - at);
    parts.push(Buffer.from(`${n.toString(16)}${ext ? ';name="v"' : ''}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from('\r\n'));
  parts.push(Buffer.from(`0\r\n${trailers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('upstream response parser', () => {
  it('Content-Length bodies, across any chunking, with interim 1xx responses skipped', () => {
    fc.assert(
      fc.property(extraHeaders, bodyBytes, fc.constantFrom(0, 1, 2), cuts, (headers, body, interim, cut) => {
        const pre = Array.from({ length: interim }, (_, i) => (i ? 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' : 'HTTP/1.1 100 Continue\r\n\r\n')).join('');
        const bytes = Buffer.concat([Buffer.from(pre + headText(200, [...headers, ['Content-Length', String(body.length)]])), body]);
        const r = parse(bytes, cut);
        assert.equal(r.error, undefined);
        assert.equal(r.heads.length, 1);
        assert.equal(r.heads[0].status, 200);
        assert.equal(r.heads[0].reason, 'Reason Here');
        assert.equal(r.heads[0].keepAlive, true);
        assert.deepEqual(r.heads[0].headers, [...headers.flat(), 'Content-Length', String(body.length)]);
        assert.deepEqual(Buffer.concat(r.body), body);
        assert.equal(r.done, 1);
      }),
      { numRuns: 300 },
    );
  });

  it('chunked bodies (extensions, trailers), across any chunking', () => {
    fc.assert(
      fc.property(extraHeaders, bodyBytes, fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 8 }), fc.boolean(), extraHeaders, cuts, (headers, body, sizes, ext, trailers, cut) => {
        const bytes = Buffer.concat([Buffer.from(headText(200, [...headers, ['Transfer-Encoding', 'chunked']])), chunked(body, sizes, ext, trailers)]);
        const r = parse(bytes, cut);
        assert.equal(r.error, undefined);
        assert.equal(r.heads[0].keepAlive, true);
        assert.deepEqual(Buffer.concat(r.body), body);
        assert.equal(r.done, 1);
      }),
      { numRuns: 300 },
    );
  });

  it('a body without framing runs until the stream ends, and is not kept alive', () => {
    fc.assert(
      fc.property(extraHeaders, bodyBytes, cuts, (headers, body, cut) => {
        const bytes = Buffer.concat([Buffer.from(headText(200, headers)), body]);
        const r = parse(bytes, cut, { eof: true });
        assert.equal(r.error, undefined);
        assert.equal(r.heads[0].keepAlive, false);
        assert.deepEqual(Buffer.concat(r.body), body);
        assert.equal(r.done, 1);
      }),
      { numRuns: 200 },
    );
  });

  it('any bytes after a complete response are an error (one request at a time on a stream)', () => {
    fc.assert(
      fc.property(bodyBytes, fc.uint8Array({ minLength: 1, maxLength: 20 }), cuts, (body, extra, cut) => {
        const bytes = Buffer.concat([Buffer.from(headText(200, [['Content-Length', String(body.length)]])), body, Buffer.from(extra)]);
        const r = parse(bytes, cut);
        assert.equal(r.done, 1);
        assert.match(r.error ?? '', /bytes after the end/);
      }),
      { numRuns: 100 },
    );
  });

  it('no body for HEAD, 204 and 304, whatever the headers say', () => {
    const h = parse(Buffer.from(headText(200, [['Content-Length', '500']])), [], { head: true });
    assert.deepEqual([h.heads.length, h.body.length, h.done, h.heads[0].keepAlive], [1, 0, 1, true]);
    const chunkedHead = parse(Buffer.from(headText(200, [['Transfer-Encoding', 'chunked']])), [], { head: true });
    assert.equal(chunkedHead.done, 1);
    for (const status of [204, 304]) {
      const r = parse(Buffer.from(headText(status, [['Content-Length', '10']])), [3]);
      assert.deepEqual([r.heads[0].status, r.body.length, r.done], [status, 0, 1]);
    }
  });

  it('status lines without a reason phrase', () => {
    for (const line of ['HTTP/1.1 200', 'HTTP/1.1 200 ']) {
      const r = parse(Buffer.from(`${line}\r\nContent-Length: 0\r\n\r\n`), []);
      assert.deepEqual([r.error, r.heads[0]?.status, r.heads[0]?.reason], [undefined, 200, '']);
    }
    assert.equal(parse(Buffer.from('HTTP/1.0 404 Not Found Here\r\nContent-Length: 0\r\n\r\n'), []).heads[0].reason, 'Not Found Here');
  });

  it('keep-alive follows the version and Connection', () => {
    const ka = (text: string) => parse(Buffer.from(text), []).heads[0].keepAlive;
    assert.equal(ka('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), false);
    assert.equal(ka('HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n'), false);
    assert.equal(ka('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), false);
    assert.equal(ka('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'), true);
    assert.equal(ka('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), true);
    // Transfer-Encoding with Content-Length: the length is ignored and the stream is not trusted again.
    const both = parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), []);
    assert.deepEqual([Buffer.concat(both.body).toString(), both.heads[0].keepAlive], ['hello', false]);
    // A coding other than chunked last: the body runs until close.
    const gz = parse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc'), [], { eof: true });
    assert.deepEqual([Buffer.concat(gz.body).toString(), gz.heads[0].keepAlive, gz.done], ['abc', false, 1]);
    // Repeated equal lengths are one length.
    assert.equal(Buffer.concat(parse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok'), []).body).toString(), 'ok');
  });

  it('refuses malformed responses with a coded error', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'ICY 200 OK\r\n\r\n',
      'HTTP/1.1 99 Low\r\n\r\n',
      'HTTP/1.1 2000 OK\r\n\r\n',
      'HTTP/1.1 200OK\r\n\r\n',
      'HTTP/1.2 200 OK\r\n\r\n',
      'HTTP/1.1  200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n',
      'HTTP/1.1 200 OK\nX: a\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX\u00e9: a\r\n\r\n',
      'HTTP/1.1 200 OK\r\n: a\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\n folded: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno-colon\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
    ];
    for (const text of bad) {
      const p = new ResponseParser();
      p.start(false);
      const seen: Seen = { heads: [], body: [], done: 0 };
      assert.throws(() => p.push(Buffer.from(text), sink(seen)), { code: 'ADIT_ERR_BAD_RESPONSE' }, JSON.stringify(text));
    }
    const huge = new ResponseParser(1024);
    huge.start(false);
    huge.push(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(600)}\r\n`), sink({ heads: [], body: [], done: 0 }));
    assert.throws(() => huge.push(Buffer.from(`Y: ${'a'.repeat(600)}\r\n`), sink({ heads: [], body: [], done: 0 })), { code: 'ADIT_ERR_BAD_RESPONSE', message: /head too large/ });
  });

  it('a response cut short by the end of the stream is an error; a complete one is not', () => {
    const cut = new ResponseParser();
    cut.start(false);
    const seen: Seen = { heads: [], body: [], done: 0 };
    cut.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), sink(seen));
    assert.throws(() => cut.end(sink(seen)), /ended before the response was complete/);
    const whole = new ResponseParser();
    whole.start(false);
    whole.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'), sink(seen));
    assert.equal(whole.busy, false);
    whole.end(sink(seen));
  });
});
