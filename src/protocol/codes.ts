/**
 * Error codes. Wire codes travel in RST and GOAWAY frames; each has a stable
 * string code (ADIT_ERR_*) that surfaces on the JavaScript Error as `code`.
 */

export const WireCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  FRAME_SIZE_ERROR: 4,
  STREAM_CLOSED: 5,
  CANCEL: 6,
  REFUSED: 7,
  NO_ROUTE: 8,
  NOT_ALLOWED: 9,
  CONNECT_REFUSED: 10,
  CONNECT_TIMEOUT: 11,
  HOST_UNREACHABLE: 12,
  CONNECTION_RESET: 13,
  GOING_AWAY: 14,
  STREAM_LIMIT: 15,
  RESOURCE_EXHAUSTED: 16,
  UNSUPPORTED_VERSION: 17,
  UNAUTHORIZED: 18,
  DEAD_PEER: 19,
  REPLACED: 20,
} as const;
export type WireCodeName = keyof typeof WireCode;
export type WireCodeValue = (typeof WireCode)[WireCodeName];

const NAMES = new Map<number, WireCodeName>(
  (Object.entries(WireCode) as [WireCodeName, number][]).map(([k, v]) => [v, k]),
);

/** Name of a wire code, or UNKNOWN_<n> for codes this version does not define. */
export function wireCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN_${code}`;
}

/** The string code an Error carries for a wire code received from the peer. */
export function errorCodeForWire(code: number): string {
  const name = NAMES.get(code);
  return name ? `ADIT_ERR_${name}` : 'ADIT_ERR_UNKNOWN';
}

/** Local error codes that have no wire form, or whose meaning is local. */
export const ErrorCode = {
  PROTOCOL: 'ADIT_ERR_PROTOCOL_ERROR',
  FRAME_SIZE: 'ADIT_ERR_FRAME_SIZE_ERROR',
  WINDOW_EXCEEDED: 'ADIT_ERR_WINDOW_EXCEEDED',
  STREAM_LIMIT: 'ADIT_ERR_STREAM_LIMIT',
  SESSION_CLOSED: 'ADIT_ERR_SESSION_CLOSED',
  GOAWAY: 'ADIT_ERR_GOING_AWAY',
  DEAD_PEER: 'ADIT_ERR_DEAD_PEER',
  TRANSPORT_CLOSED: 'ADIT_ERR_TRANSPORT_CLOSED',
  RESET: 'ADIT_ERR_STREAM_RESET',
  REFUSED: 'ADIT_ERR_REFUSED',
  CANCELLED: 'ADIT_ERR_CANCEL',
  SLOW_PEER: 'ADIT_ERR_SLOW_PEER',
  BUDGET: 'ADIT_ERR_RESOURCE_EXHAUSTED',
} as const;

/** An error with a stable string code and, when it crossed the wire, the wire code. */
export class AditError extends Error {
  readonly code: string;
  readonly wireCode: number | undefined;
  constructor(code: string, message: string, wireCode?: number) {
    super(message);
    this.name = 'AditError';
    this.code = code;
    this.wireCode = wireCode;
  }
}

export function protocolError(message: string, wireCode: number = WireCode.PROTOCOL_ERROR): AditError {
  const code = wireCode === WireCode.FRAME_SIZE_ERROR ? ErrorCode.FRAME_SIZE
    : wireCode === WireCode.FLOW_CONTROL_ERROR ? ErrorCode.WINDOW_EXCEEDED
    : ErrorCode.PROTOCOL;
  return new AditError(code, message, wireCode);
}
