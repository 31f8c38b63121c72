/** Wire constants of the adit tunnel protocol, version 1. See docs/protocol.md. */

export const PROTOCOL_VERSION = 1;
/** WebSocket subprotocol the client offers and the server must select. */
export const WS_SUBPROTOCOL = 'adit.v1';

export const HEADER_BYTES = 10;
/** Largest DATA payload a peer may send; also the cap for every control frame but HELLO. */
export const MAX_FRAME_PAYLOAD = 65_536;
/** Largest HELLO payload a peer may send. */
export const MAX_HELLO_PAYLOAD = 1_048_576;
/** Largest RST/GOAWAY reason, in bytes of UTF-8. */
export const MAX_REASON_BYTES = 1024;
/** Stream ids are u32; 0 is the session itself. */
export const MAX_STREAM_ID = 0xffff_ffff;

export const FrameType = {
  DATA: 0x00,
  OPEN: 0x01,
  ACCEPT: 0x02,
  RST: 0x03,
  WINDOW: 0x04,
  PING: 0x05,
  GOAWAY: 0x06,
  HELLO: 0x07,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export const Flag = {
  /** DATA: the sender will write no more on this stream (half-close). */
  FIN: 0x01,
  /** PING: this is the answer (pong). */
  ACK: 0x01,
} as const;
