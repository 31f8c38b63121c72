/**
 * The real Session fed hostile byte streams through a scripted transport, with
 * an application that accepts, refuses, reads, stalls, writes and resets.
 * Properties: nothing escapes as an exception, every failure is a coded
 * AditError, the session's own output is always valid protocol, limits hold,
 * and no stream ends cleanly unless the peer really sent FIN on it.
 */
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { Session, type MuxStream, type Transport } from '../../../src/mux/index.js';
import { AditError, FrameDecoder, WireCode, encodeData, encodeHello, encodeOpen, encodeWindow } from '../../../src/protocol/index.js';
import { chunk, cutsArb, editsArb, hostileFrameArb, mutate } from './arbitraries.js';
import type { NamedProperty } from './decoder-props.js';

/** Records what the session writes; 'data' is injected by the test. */
class ScriptedTransport extends EventEmitter implements Transport {
  readonly remote = 'fuzz';
  readonly written: Buffer[] = [];
  bufferedBytes = 0;
  closed = false;
  write(header: Buffer, payload?: Buffer): boolean {
    if (this.closed) return false;
    this.written.push(Buffer.from(header));
    if (payload) this.written.push(Buffer.from(payload));
    return true;
  }
  cork(): void {}
  uncork(): void {}
  close(): void { this.shut(); }
  destroy(): void { this.shut(); }
  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => this.emit('close'));
  }
}

/** What the application does with each stream the peer opens, and between input chunks. */
const appArb = fc.record({
  accept: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), // 0 refuse, 1 accept+read, 2 accept+stall, 3 accept+write+end
  opens: fc.integer({ min: 0, max: 3 }),
  resetAfter: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
});

/**
 * A well-behaved peer script (HELLO, OPENs in id order, DATA within credit, FINs,
 * WINDOWs for streams the session opened), interleaved at random, so that the
 * hostile frames after it reach deep states.
 */
const wellBehavedArb = fc
  .record({
    streams: fc.array(
      fc.record({ window: fc.integer({ min: 1, max: 300_000 }), chunks: fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 4 }), fin: fc.boolean() }),
      { maxLength: 4 },
    ),
    picks: fc.array(fc.nat(), { maxLength: 30 }),
    windows: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 3 }),
  })
  .map(({ streams, picks, windows }) => (opens: number): Buffer[] => {
    const queues = streams.map((st, i) => {
      const id = 2 * i + 1;
      const q = [encodeOpen(id, st.window, { route: 'tcp:1' })];
      st.chunks.forEach((n, j) => q.push(encodeData(id, Buffer.alloc(n, 7), st.fin && j === st.chunks.length - 1)));
      if (st.fin && st.chunks.length === 0) q.push(encodeData(id, Buffer.alloc(0), true));
      return q;
    });
    const out: Buffer[] = [];
    const live = () => queues.filter((q) => q.length > 0);
    for (const p of picks) {
      const l = live();
      if (l.length === 0) break;
      out.push(l[p % l.length]!.shift()!);
    }
    for (const q of live()) out.push(...q);
    for (const [k, inc] of windows) if (k < opens) out.push(encodeWindow(2 * k + 2, inc));
    return out;
  });

const MAX_STREAMS = 3;

/** How deep the cases went, so a test can show the fuzzing is not vacuous. */
export const sessionCoverage = { cases: 0, peerStreams: 0, closed: 0, cleanEnds: 0, bytesDelivered: 0 };

async function runOne(
  sendHello: boolean,
  script: (opens: number) => Buffer[],
  hostile: Buffer[],
  edits: [number, number, number][],
  cuts: number[],
  app: { accept: number[]; opens: number; resetAfter: number | undefined },
): Promise<void> {
  const t = new ScriptedTransport();
  const session = new Session(t, { role: 'acceptor', maxStreams: MAX_STREAMS, memoryBudget: 192 * 1024, initialWindow: 64 * 1024, minWindow: 16 * 1024, maxWindow: 128 * 1024, keepaliveInterval: 0 });
  const problems: string[] = [];
  const streams: MuxStream[] = [];
  const ended = new Set<number>();
  const closeErrors: (Error | undefined)[] = [];
  session.on('close', (err?: Error) => { closeErrors.push(err); });
  session.on('stream', (s: MuxStream) => {
    sessionCoverage.peerStreams++;
    streams.push(s);
    s.on('data', (d: Buffer) => { sessionCoverage.bytesDelivered += d.length; });
    s.on('error', (err: Error) => { if (!(err instanceof AditError)) problems.push(`stream error without a code: ${String(err)}`); });
    s.on('end', () => ended.add(s.id));
    const mode = app.accept[streams.length % app.accept.length]!;
    if (mode === 0) return s.refuse(WireCode.CONNECT_REFUSED, 'fuzz');
    s.accept();
    if (mode === 1) s.resume();
    if (mode === 3) { s.resume(); s.end(Buffer.alloc(3000, 1)); }
  });
  session.sendHello({ caps: [] });
  for (let i = 0; i < app.opens; i++) {
    const s = session.open({ route: 'tcp:9' });
    streams.push(s);
    s.on('error', (err: Error) => { if (!(err instanceof AditError)) problems.push(`stream error without a code: ${String(err)}`); });
    s.on('end', () => ended.add(s.id));
    s.resume();
    s.write(Buffer.alloc(5000, 2));
  }
  // Which ids the input really carries FIN for (anything else ending cleanly would be silent truncation).
  const input = Buffer.concat([...(sendHello ? [encodeHello({ v: 1 })] : []), ...script(app.opens), mutate(Buffer.concat(hostile), edits)]);
  const finIds = finStreams(input);
  let n = 0;
  for (const piece of chunk(input, cuts)) {
    try {
      t.emit('data', piece);
    } catch (err) {
      problems.push(`session let an exception escape: ${String(err)}`);
    }
    if (app.resetAfter !== undefined && n++ === app.resetAfter) streams[0]?.destroy();
  }
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  if (session.streamCount > MAX_STREAMS * 2) problems.push(`stream count ${session.streamCount} over the limit`);
  if (closeErrors.length > 1) problems.push('session emitted close more than once');
  for (const e of closeErrors) if (e !== undefined && !(e instanceof AditError)) problems.push(`session closed with an uncoded error: ${String(e)}`);
  if (session.isClosed) {
    if (session.streamCount !== 0) problems.push('closed session still holds streams');
    for (const s of streams) if (!s.destroyed && !(s.readableEnded && s.writableFinished)) problems.push(`stream ${s.id} alive after the session closed`);
  }
  for (const id of ended) if (!finIds.has(id)) problems.push(`stream ${id} ended cleanly without a FIN in the input`);
  // Whatever came in, what the session sends must be valid protocol.
  const out = Buffer.concat(t.written);
  try {
    new FrameDecoder({ dataStart() {}, data() {}, dataEnd() {}, control() {} }).push(out);
  } catch (err) {
    problems.push(`session wrote invalid protocol: ${String(err)}`);
  }
  sessionCoverage.cases++;
  if (session.isClosed) sessionCoverage.closed++;
  sessionCoverage.cleanEnds += ended.size;
  session.destroy();
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Stream ids that a DATA frame with FIN names in this byte stream, as a lenient decoder reads it. */
function finStreams(bytes: Buffer): Set<number> {
  const ids = new Set<number>();
  let fin = 0;
  const d = new FrameDecoder({ dataStart() {}, data() {}, dataEnd: (id, flags) => { if (flags & 1) ids.add(id); fin++; }, control() {} });
  try { d.push(bytes); } catch { /* ids up to the failure are what the session saw */ }
  void fin;
  return ids;
}

export const sessionProperties: NamedProperty[] = [
  {
    name: 'session over hostile input: no escape, coded errors, valid output, limits, no silent truncation',
    runs: 25_000,
    check: (params) => fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 9 }), wellBehavedArb, fc.oneof(fc.constant<Buffer[]>([]), fc.array(hostileFrameArb, { maxLength: 6 })), editsArb, cutsArb, appArb, async (hello, script, hostile, edits, cuts, app) => {
        await runOne(hello > 0, script, hostile, edits, cuts, app);
      }),
      params as fc.Parameters<[number, (opens: number) => Buffer[], Buffer[], [number, number, number][], number[], { accept: number[]; opens: number; resetAfter: number | undefined }]>,
    ),
  },
];
