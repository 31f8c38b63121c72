import { FrameDecoder, FrameType, type ControlFrame, type FrameHandler } from '../../src/protocol/index.js';

export type Decoded = ControlFrame | { type: typeof FrameType.DATA; streamId: number; flags: number; payload: Buffer };

/** A FrameHandler that collects whole frames, joining DATA pieces. */
export function collector(): { frames: Decoded[]; decoder: FrameDecoder } {
  const frames: Decoded[] = [];
  let parts: Buffer[] = [];
  const handler: FrameHandler = {
    dataStart() { parts = []; },
    data(_id, chunk) { parts.push(Buffer.from(chunk)); },
    dataEnd(streamId, flags) { frames.push({ type: FrameType.DATA, streamId, flags, payload: Buffer.concat(parts) }); },
    control(f) { frames.push(f); },
  };
  return { frames, decoder: new FrameDecoder(handler) };
}
