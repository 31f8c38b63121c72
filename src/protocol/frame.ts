/** Frame shapes of protocol version 1, as decoded values. DATA payloads are not framed here; see decoder.ts. */

export interface OpenFrame { type: 0x01; streamId: number; window: number; meta: OpenMeta }
export interface AcceptFrame { type: 0x02; streamId: number; window: number }
export interface RstFrame { type: 0x03; streamId: number; code: number; reason: string }
export interface WindowFrame { type: 0x04; streamId: number; increment: number }
export interface PingFrame { type: 0x05; ack: boolean; opaque: Buffer }
export interface GoawayFrame { type: 0x06; lastStreamId: number; code: number; reason: string }
export interface HelloFrame { type: 0x07; hello: Hello }

export type ControlFrame = OpenFrame | AcceptFrame | RstFrame | WindowFrame | PingFrame | GoawayFrame | HelloFrame;

/**
 * Route metadata carried by OPEN. `route` names the upstream on the far side
 * (for example "tcp:6143" or "http:demo.example.com"); `peer` is the original
 * visitor address. Unknown keys are kept so later versions can add fields.
 */
export interface OpenMeta {
  route: string;
  peer?: string;
  [key: string]: unknown;
}

/** HELLO body: JSON. `v` is the protocol version; the rest belongs to the application. */
export interface Hello {
  v: number;
  caps?: string[];
  [key: string]: unknown;
}
