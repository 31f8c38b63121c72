/**
 * Properties of the frame decoder under hostile input. Shared by the CI test
 * (bounded runs) and `npm run fuzz` (long runs).
 */
import fc from 'fast-check';
import { AditError, FrameDecoder, type ControlFrame, type FrameHandler } from '../../../src/protocol/index.js';
import { chunk, cutsArb, editsArb, hostileFrameArb, mutate, validFrameArb } from './arbitraries.js';

export interface NamedProperty {
  name: string;
  /** Runs used in CI. */
  runs: number;
  /** Runs fc.assert with these parameters (numRuns, seed, time limit...). */
  check(params: fc.Parameters<unknown>): void | Promise<void>;
}

function sync<T extends [unknown, ...unknown[]]>(prop: fc.IProperty<T>): NamedProperty['check'] {
  return (params) => fc.assert(prop, params as fc.Parameters<T>);
}

type Outcome = { trace: string[]; error: string | null };

/** Feeds chunks and records every callback, joining DATA pieces so different chunkings compare equal. */
function decode(chunks: Buffer[]): Outcome {
  const trace: string[] = [];
  let data: Buffer[] = [];
  const handler: FrameHandler = {
    dataStart: (id, len, flags) => { trace.push(`ds ${id} ${len} ${flags}`); data = []; },
    data: (_id, c) => { data.push(Buffer.from(c)); },
    dataEnd: (id, flags) => { trace.push(`de ${id} ${flags} ${Buffer.concat(data).toString('hex')}`); },
    control: (f: ControlFrame) => { trace.push(JSON.stringify(f, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? 'buf' : v))); },
  };
  const d = new FrameDecoder(handler);
  for (const c of chunks) {
    try {
      d.push(c);
    } catch (err) {
      if (!(err instanceof AditError)) throw new Error(`decoder threw a non-AditError: ${String(err)}`, { cause: err });
      if (!err.code.startsWith('ADIT_ERR_') || err.wireCode === undefined) throw new Error(`decoder error without stable codes: ${err.code}/${err.wireCode}`, { cause: err });
      // Once failed, it stays failed.
      let again: unknown;
      try { d.push(Buffer.from([0])); } catch (e) { again = e; }
      if (!(again instanceof AditError)) throw new Error('decoder accepted input after a protocol error', { cause: err });
      return { trace, error: err.code };
    }
  }
  return { trace, error: null };
}

function sameOutcome(a: Outcome, b: Outcome): void {
  // DATA callbacks after the failure point may differ by chunking; compare what both saw in full.
  if (a.error !== b.error) throw new Error(`chunking changed the verdict: ${a.error} vs ${b.error}`);
  const n = Math.min(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    if (a.trace[i] !== b.trace[i]) throw new Error(`chunking changed callback ${i}: ${a.trace[i]} vs ${b.trace[i]}`);
  }
  if (a.error === null && a.trace.length !== b.trace.length) throw new Error('chunking changed the number of frames');
}

export const decoderProperties: NamedProperty[] = [
  {
    name: 'hostile streams: only coded AditErrors, same verdict for any chunking',
    runs: 50_000,
    check: sync(fc.property(fc.array(hostileFrameArb, { maxLength: 12 }), editsArb, cutsArb, (frames, edits, cuts) => {
      const bytes = mutate(Buffer.concat(frames), edits);
      const whole = decode([bytes]);
      const pieces = decode(chunk(bytes, cuts));
      const single = decode([...bytes].map((b) => Buffer.from([b])));
      sameOutcome(whole, pieces);
      sameOutcome(whole, single);
    })),
  },
  {
    name: 'valid frames always decode, whatever the chunking',
    runs: 30_000,
    check: sync(fc.property(fc.array(validFrameArb, { maxLength: 12 }), cutsArb, (frames, cuts) => {
      const bytes = Buffer.concat(frames);
      const out = decode(chunk(bytes, cuts));
      if (out.error !== null) throw new Error(`valid frames were rejected: ${out.error}`);
      const expected = frames.reduce((n, f) => n + (f[0] === 0 ? 2 : 1), 0);
      if (out.trace.length !== expected) throw new Error(`expected ${expected} callbacks, got ${out.trace.length}`);
    })),
  },
  {
    name: 'random bytes never crash the decoder',
    runs: 20_000,
    check: sync(fc.property(fc.uint8Array({ maxLength: 512 }), cutsArb, (a, cuts) => {
      decode(chunk(Buffer.from(a), cuts));
    })),
  },
];
