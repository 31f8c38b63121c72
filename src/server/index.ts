export { AditServer, type ServerAddresses } from './server.js';
export type { ServerOptions, TlsFiles } from './options.js';
export { PortSet } from './port-set.js';
export { TokenSet, readTokenFile, tokenLabel, type TokenEntry, type TokenLimits } from './tokens.js';
export { parseAccessFile, type AccessEntry } from './access-file.js';
export type { ClientHello, ServerHello, UpstreamResult, RefusalCode } from '../protocol/hello.js';
