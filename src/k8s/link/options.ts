/**
 * Options of `adit link patch`, their defaults, and per-Link overrides
 * (`--for lab:gateway-port=7143,release=adit-lab`), which several Links in one
 * stream need: two home clusters cannot share one adit port.
 */
import { LinkError, LinkErrorCode } from './errors.js';

/** Where one Link's traffic goes on the cloud side. */
export interface LinkTarget {
  /** Namespace of the adit-server release in the cloud cluster. */
  namespace: string;
  /** Helm release name of adit-server (its pods carry app.kubernetes.io/instance=<release>). */
  release: string;
  /** adit port forwarding to the home gateway's 4143. */
  gatewayPort: number;
  /** adit port forwarding to the home gateway's probe port 4191. */
  probePort: number;
  /** adit port forwarding to the home API server (kubernetes.default:443). */
  apiPort: number;
  /** A name the home API server's certificate carries. */
  tlsServerName: string;
  /** Name of the headless gateway Service (default adit-<link>-gateway). */
  gatewayService: string;
  /** Name of the API Service (default adit-<link>-api). */
  apiService: string;
}

export interface PatchOptions extends Omit<LinkTarget, 'gatewayService' | 'apiService'> {
  /** Service names for every Link; undefined means adit-<link>-gateway / adit-<link>-api. */
  gatewayService?: string;
  apiService?: string;
  /**
   * Whether to print the two Services. Off when something else creates them
   * (the adit-server chart's dataServices); the Link and kubeconfig still
   * name them.
   */
  services: boolean;
  /** DNS domain of the cloud cluster, for the Service FQDNs. */
  clusterDomain: string;
  /** Per-Link overrides, by Link name. */
  overrides: ReadonlyMap<string, Partial<LinkTarget>>;
}

export const DEFAULT_PATCH_OPTIONS: PatchOptions = {
  namespace: 'adit',
  release: 'adit-server',
  gatewayPort: 6143,
  probePort: 6191,
  apiPort: 6443,
  tlsServerName: 'kubernetes.default.svc',
  clusterDomain: 'cluster.local',
  services: true,
  overrides: new Map(),
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parsePort(value: string, what: string): number {
  if (!/^[0-9]+$/.test(value)) throw new LinkError(LinkErrorCode.FLAG, `${what} must be a port number, got "${value}"`);
  const n = Number(value);
  if (n < 1 || n > 65535) throw new LinkError(LinkErrorCode.FLAG, `${what} must be between 1 and 65535, got ${n}`);
  return n;
}

export function checkDnsLabel(value: string, what: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new LinkError(LinkErrorCode.FLAG, `${what} must be a DNS label (lower case letters, digits, '-', at most 63 characters), got "${value}"`);
  }
  return value;
}

export function checkDnsName(value: string, what: string): string {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new LinkError(LinkErrorCode.FLAG, `${what} must be a DNS name, got "${value}"`);
  }
  return value;
}

const OVERRIDE_KEYS: Record<string, (t: Partial<LinkTarget>, v: string, what: string) => void> = {
  namespace: (t, v, w) => { t.namespace = checkDnsLabel(v, w); },
  release: (t, v, w) => { t.release = checkDnsLabel(v, w); },
  'gateway-port': (t, v, w) => { t.gatewayPort = parsePort(v, w); },
  'probe-port': (t, v, w) => { t.probePort = parsePort(v, w); },
  'api-port': (t, v, w) => { t.apiPort = parsePort(v, w); },
  'tls-server-name': (t, v, w) => { t.tlsServerName = checkDnsName(v, w); },
  'gateway-service': (t, v, w) => { t.gatewayService = checkDnsLabel(v, w); },
  'api-service': (t, v, w) => { t.apiService = checkDnsLabel(v, w); },
};

/** Parses one `--for LINK:key=value[,key=value…]` and merges it into `into`. */
export function parseOverride(spec: string, into: Map<string, Partial<LinkTarget>>): void {
  const colon = spec.indexOf(':');
  if (colon <= 0) {
    throw new LinkError(LinkErrorCode.FLAG, `--for expects LINK:key=value[,key=value…], got "${spec}"`);
  }
  const link = spec.slice(0, colon);
  const target = into.get(link) ?? {};
  for (const pair of spec.slice(colon + 1).split(',')) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    const set = OVERRIDE_KEYS[key];
    if (!set) {
      throw new LinkError(LinkErrorCode.FLAG, `--for ${link}: unknown key in "${pair}" (known: ${Object.keys(OVERRIDE_KEYS).join(', ')})`);
    }
    set(target, pair.slice(eq + 1).trim(), `--for ${link}:${key}`);
  }
  into.set(link, target);
}

/** The target of one Link: the global options, then its override. */
export function targetFor(linkName: string, opts: PatchOptions): LinkTarget {
  const o = opts.overrides.get(linkName) ?? {};
  return {
    namespace: o.namespace ?? opts.namespace,
    release: o.release ?? opts.release,
    gatewayPort: o.gatewayPort ?? opts.gatewayPort,
    probePort: o.probePort ?? opts.probePort,
    apiPort: o.apiPort ?? opts.apiPort,
    tlsServerName: o.tlsServerName ?? opts.tlsServerName,
    gatewayService: o.gatewayService ?? opts.gatewayService ?? `adit-${linkName}-gateway`,
    apiService: o.apiService ?? opts.apiService ?? `adit-${linkName}-api`,
  };
}

/**
 * Every Link must own its adit ports on its release: the adit server hands a
 * port to one client only, so a shared port would send one cluster's traffic
 * to another.
 */
export function checkNoPortConflicts(targets: ReadonlyMap<string, LinkTarget>): void {
  const owners = new Map<string, string>();
  const services = new Map<string, string>();
  for (const [link, t] of targets) {
    for (const svc of [t.gatewayService, t.apiService]) {
      const key = `${t.namespace}/${svc}`;
      const owner = services.get(key);
      if (owner !== undefined) {
        throw new LinkError(LinkErrorCode.CONFLICT, `Service ${key} is named for both Link ${owner} and Link ${link}; give each its own name with --for`);
      }
      services.set(key, link);
    }
    const roles: [string, number][] = [['gateway', t.gatewayPort], ['probe', t.probePort], ['api', t.apiPort]];
    for (const [role, port] of roles) {
      const key = `${t.namespace}/${t.release}:${port}`;
      const owner = owners.get(key);
      if (owner !== undefined) {
        throw new LinkError(
          LinkErrorCode.CONFLICT,
          `port ${port} of release ${t.namespace}/${t.release} is claimed twice (${owner} and Link ${link} ${role}); ` +
            `give each Link its own ports or release with --for ${link}:gateway-port=…,probe-port=…,api-port=…`,
        );
      }
      owners.set(key, `Link ${link} ${role}`);
    }
  }
}
