export { AditClient, type ClientOptions, type ClientState } from './client.js';
export { parseUpstreams, parseUpstreamSpec, routeName, UpstreamSyntaxError, type Upstream, type TcpUpstream, type HttpUpstream } from './upstream.js';
export type { Target } from './target.js';
export { Backoff } from './backoff.js';
