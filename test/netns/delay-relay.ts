/**
 * A TCP relay that holds every chunk for `delayMs` before passing it on, in
 * each direction: with delayMs = 50, a connection through it sees 100 ms more
 * round trip. It keeps order, half-close (an end is delayed like data) and
 * backpressure (it reads no more once `maxQueuedBytes` wait in a direction),
 * and a reset on one side resets the other.
 */
import net from 'node:net';

export interface DelayRelayOptions {
  listenHost?: string;
  listenPort?: number;
  targetHost: string;
  targetPort: number;
  /** One-way delay added in each direction (ms). */
  delayMs: number;
  maxQueuedBytes?: number;
}

export interface DelayRelay {
  port: number;
  /** Open relayed connection pairs. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startDelayRelay(o: DelayRelayOptions): Promise<DelayRelay> {
  const pairs = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ host: o.targetHost, port: o.targetPort, allowHalfOpen: true });
    pairs.add(inbound);
    pairs.add(outbound);
    const forget = (s: net.Socket) => () => pairs.delete(s);
    inbound.on('close', forget(inbound));
    outbound.on('close', forget(outbound));
    const max = o.maxQueuedBytes ?? 4 * 1024 * 1024;
    delayedPipe(inbound, outbound, o.delayMs, max);
    delayedPipe(outbound, inbound, o.delayMs, max);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.listenHost ?? '127.0.0.1', port: o.listenPort ?? 0 }, resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return pairs.size / 2;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of pairs) s.destroy();
      }),
  };
}

interface Held { at: number; chunk: Buffer | null }

/** src → dst with a fixed delay per chunk; null marks the end of the stream. */
function delayedPipe(src: net.Socket, dst: net.Socket, delayMs: number, maxQueued: number): void {
  const queue: Held[] = [];
  let head = 0;
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let waitingDrain = false;

  src.on('data', (chunk: Buffer) => {
    queue.push({ at: performance.now() + delayMs, chunk });
    queued += chunk.length;
    if (queued > maxQueued) src.pause();
    schedule();
  });
  src.on('end', () => {
    queue.push({ at: performance.now() + delayMs, chunk: null });
    schedule();
  });
  src.on('error', (err: NodeJS.ErrnoException) => {
    clear();
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') dst.resetAndDestroy();
    else dst.destroy();
  });
  src.on('close', () => {
    // Closed without an orderly end (e.g. destroyed by us after the other side failed).
    if (!src.readableEnded && !dst.destroyed) {
      clear();
      dst.resetAndDestroy();
    }
  });
  dst.on('drain', () => {
    waitingDrain = false;
    flush();
  });

  function clear(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    queue.length = 0;
    head = 0;
  }

  function schedule(): void {
    if (timer || waitingDrain || head >= queue.length) return;
    timer = setTimeout(flush, Math.max(0, queue[head]!.at - performance.now()));
  }

  function flush(): void {
    timer = undefined;
    const now = performance.now();
    while (head < queue.length && queue[head]!.at <= now) {
      const { chunk } = queue[head++]!;
      if (chunk === null) {
        dst.end();
        continue;
      }
      queued -= chunk.length;
      if (!dst.write(chunk)) {
        waitingDrain = true;
        break;
      }
    }
    if (head > 1024) {
      queue.splice(0, head);
      head = 0;
    }
    if (queued <= maxQueued / 2 && src.isPaused() && !src.destroyed) src.resume();
    schedule();
  }
}
