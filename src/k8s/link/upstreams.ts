/**
 * `adit link upstreams`: the adit-client upstreams for the home side that
 * match what `adit link patch` wrote for the cloud side. All three are raw
 * TCP: the gateway and probe carry Linkerd's mutual TLS and the API carries
 * the API server's TLS, which adit must pass through untouched.
 */
import { stringify } from 'yaml';
import { LinkError, LinkErrorCode } from './errors.js';
import { parsePort } from './options.js';

export interface UpstreamOptions {
  gatewayPort: number;
  probePort: number;
  apiPort: number;
  /** host:port of the home Linkerd gateway's data port. */
  gatewayTarget: string;
  /** host:port of the home Linkerd gateway's probe port. */
  probeTarget: string;
  /** host:port of the home API server; empty to leave the API out. */
  apiTarget: string;
}

export const DEFAULT_UPSTREAM_OPTIONS: UpstreamOptions = {
  gatewayPort: 6143,
  probePort: 6191,
  apiPort: 6443,
  gatewayTarget: 'linkerd-gateway.linkerd-multicluster.svc.cluster.local:4143',
  probeTarget: 'linkerd-gateway.linkerd-multicluster.svc.cluster.local:4191',
  apiTarget: 'kubernetes.default.svc.cluster.local:443',
};

export type UpstreamFormat = 'values' | 'flags';

const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/;

/** Checks a host:port target and returns it unchanged. */
export function checkTarget(value: string, what: string): string {
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon) : '';
  if (!HOST.test(host)) throw new LinkError(LinkErrorCode.FLAG, `${what} must be host:port, got "${value}"`);
  parsePort(value.slice(colon + 1), what);
  return value;
}

/** One upstream as the adit-client chart takes it: match "tcp:PORT", target host:port. */
export interface Upstream {
  match: string;
  target: string;
}

export function upstreamList(o: UpstreamOptions): Upstream[] {
  const ports = new Set([o.gatewayPort, o.probePort, o.apiPort]);
  if (ports.size !== 3) throw new LinkError(LinkErrorCode.CONFLICT, 'gateway, probe and API ports must be three different ports');
  const list = [
    { match: `tcp:${o.gatewayPort}`, target: o.gatewayTarget },
    { match: `tcp:${o.probePort}`, target: o.probeTarget },
  ];
  if (o.apiTarget !== '') list.push({ match: `tcp:${o.apiPort}`, target: o.apiTarget });
  return list;
}

/**
 * values: the `upstreams` list of charts/adit-client/values.yaml.
 * flags: `--upstream=tcp:PORT=host:port` for `adit client` (inlets syntax).
 */
export function renderUpstreams(o: UpstreamOptions, format: UpstreamFormat): string {
  const list = upstreamList(o);
  if (format === 'flags') return `${list.map((u) => `--upstream=${u.match}=${u.target}`).join(' ')}\n`;
  return stringify({ upstreams: list }, { version: '1.1', lineWidth: 0, indentSeq: false });
}
