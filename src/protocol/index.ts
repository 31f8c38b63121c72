export * from './constants.js';
export * from './codes.js';
export type * from './frame.js';
export * from './encode.js';
export { FrameDecoder, type FrameHandler, type DecoderLimits } from './decode.js';
