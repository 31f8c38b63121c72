// adit as a library: the multiplexer, its transports, and the server and client.
export { Session, MuxStream, SESSION_DEFAULTS, type SessionOptions, type SessionStats, type Transport } from './mux/index.js';
export { wsTransport, WS_MAX_PAYLOAD } from './transport/ws.js';
export { socketTransport } from './transport/socket.js';
export { AditError, ErrorCode, WireCode, PROTOCOL_VERSION, WS_SUBPROTOCOL, type Hello, type OpenMeta } from './protocol/index.js';
export { AditServer, type ServerOptions } from './server/index.js';
export { AditClient, parseUpstreams, type ClientOptions, type Upstream } from './client/index.js';
export { patchLinkManifests, renderUpstreams, type PatchOptions } from './k8s/link/index.js';
