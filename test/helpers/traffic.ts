/**
 * Traffic whose every byte can be checked: a seeded keystream (both ends know the content), a
 * download service that sends it, paced or at full speed, and downloads and uploads that say how a
 * transfer ended: complete, reset (the honest failure) or silently truncated (the one that must
 * never happen). Shared by the end-to-end, server and fault tests.
 */
import { createCipheriv, createHash } from 'node:crypto';
import net from 'node:net';

const ZEROS = Buffer.alloc(64 * 1024);

/** Deterministic pseudo-random bytes for a seed (AES-CTR keystream), so both ends know the content. */
export class Keystream {
  private readonly cipher;
  constructor(seed: number) {
    const key = createHash('sha256').update(`adit-${seed}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }
  next(n: number): Buffer {
    return n <= ZEROS.length ? this.cipher.update(ZEROS.subarray(0, n)) : this.cipher.update(Buffer.alloc(n));
  }
}

export function expectedSha(seed: number, n: number): string {
  const ks = new Keystream(seed);
  const h = createHash('sha256');
  for (let left = n; left > 0; left -= ZEROS.length) h.update(ks.next(Math.min(left, ZEROS.length)));
  return h.digest('hex');
}

/**
 * A download service: the visitor sends "<bytes> <seed> <paceMs>\n" and gets that
 * many keystream bytes, one 64 KiB chunk every paceMs (0 = as fast as the
 * socket takes them, with backpressure), then a clean end.
 */
export function sourceServer(): net.Server {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => s.destroy());
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      const nl = head.indexOf('\n');
      if (nl < 0) return;
      s.off('data', onData);
      const [bytes, seed, pace] = head.slice(0, nl).split(' ').map(Number) as [number, number, number];
      void sendKeystream(s, bytes, seed, pace);
    };
    s.on('data', onData);
    // A visitor that leaves before asking gets a close, as from any real service.
    s.on('end', () => { if (!head.includes('\n')) s.end(); });
  });
  return server;
}

/** Resolves at the socket's next 'drain' or its 'close', and leaves no listener behind either way. */
function drainedOrClosed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

/** Writes `bytes` of seed's keystream in 64 KiB chunks (one every `pace` ms, or as the socket takes them), then ends. */
async function sendKeystream(s: net.Socket, bytes: number, seed: number, pace: number): Promise<void> {
  const ks = new Keystream(seed);
  let left = bytes;
  while (left > 0 && !s.destroyed) {
    const n = Math.min(left, ZEROS.length);
    left -= n;
    if (!s.write(ks.next(n))) await drainedOrClosed(s);
    if (pace > 0) await new Promise((r) => setTimeout(r, pace));
  }
  if (!s.destroyed) s.end();
}

export interface Outcome {
  /** complete: every byte, right hash, clean end. reset: an error (the honest failure). truncated: a clean end with missing or wrong bytes (the silent failure that must never happen). */
  kind: 'complete' | 'reset' | 'truncated';
  bytes: number;
  error?: string;
  ms: number;
}

/**
 * How a transfer that read EOF ended. A wrong or short transfer is checked
 * once more against the kernel: libuv reports EOF without reading on when a
 * hang-up arrives together with the last partial read (uv__stream_io's
 * POLLHUP short-cut), so a peer's RST that lands behind unread data reaches
 * Node as a clean 'end'. A write tells the two apart: after a FIN the socket
 * still sends (CLOSE_WAIT); after an RST the kernel refuses it (EPIPE or
 * ECONNRESET). A visitor whose own writes are already ended cannot probe, and
 * its short transfer stays 'truncated'.
 */
function endedBy(s: net.Socket, ok: boolean): Promise<Outcome['kind']> {
  if (ok || s.writableEnded || s.destroyed) {
    s.end();
    return Promise.resolve(ok ? 'complete' : 'truncated');
  }
  return new Promise((resolve) => {
    s.write(PROBE, (err) => {
      resolve(err ? 'reset' : 'truncated');
      s.end();
    });
  });
}

const PROBE = Buffer.from('?');

export interface DownloadHandle {
  /** Resolves once the first byte arrived. */
  started: Promise<void>;
  done: Promise<Outcome>;
  socket: net.Socket;
}

/** Downloads `bytes` from a sourceServer through `port` and classifies how it ended. */
export function download(port: number, bytes: number, seed: number, paceMs = 0, host = '127.0.0.1', socket?: net.Socket): DownloadHandle {
  const s = socket ?? net.connect({ host, port, allowHalfOpen: true });
  const t0 = performance.now();
  const h = createHash('sha256');
  let got = 0;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<Outcome>((resolve) => {
    s.on('data', (d: Buffer) => {
      if (got === 0) markStarted();
      got += d.length;
      h.update(d);
    });
    s.on('end', () => {
      const ok = got === bytes && h.digest('hex') === expectedSha(seed, bytes);
      void endedBy(s, ok).then((kind) => resolve({ kind, bytes: got, ms: performance.now() - t0 }));
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'reset', bytes: got, error: err.code ?? err.message, ms: performance.now() - t0 }));
    s.on('close', () => {
      if (!s.readableEnded && !s.errored) resolve({ kind: 'reset', bytes: got, error: 'closed', ms: performance.now() - t0 });
    });
  });
  s.write(`${bytes} ${seed} ${paceMs}\n`);
  return { started, done, socket: s };
}

/**
 * `streams` downloads of `bytes` each from a sourceServer through `port`, all at once. Every other
 * visitor stops reading for 40 ms after each MiB, so that its stream runs out of credit now and
 * then while the others' go on.
 */
export function stallingDownloads(port: number, streams: number, bytes: number): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: streams }, (_, seed) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    if (seed % 2 === 1) {
      let n = 0;
      s.on('data', (c: Buffer) => {
        n += c.length;
        if (n >> 20 === (n - c.length) >> 20) return;
        s.pause();
        setTimeout(() => s.resume(), 40);
      });
    }
    return download(port, bytes, seed, 0, '127.0.0.1', s).done;
  }));
}

/** Uploads `bytes` of keystream to a hashServer (test/helpers/net.ts) and checks the digest it answers. */
export function upload(port: number, bytes: number, seed: number, paceMs = 0, host = '127.0.0.1'): { started: Promise<void>; done: Promise<Outcome> } {
  const s = net.connect({ host, port, allowHalfOpen: true });
  const t0 = performance.now();
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<Outcome>((resolve) => {
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.on('end', () => {
      const ok = answer.trim() === `${expectedSha(seed, bytes)} ${bytes}`;
      void endedBy(s, ok).then((kind) => resolve({ kind, bytes: Number(answer.trim().split(' ')[1] ?? 0), ms: performance.now() - t0 }));
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'reset', bytes: 0, error: err.code ?? err.message, ms: performance.now() - t0 }));
  });
  s.once('connect', () => {
    markStarted();
    void sendKeystream(s, bytes, seed, paceMs);
  });
  return { started, done };
}
