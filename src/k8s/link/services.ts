/**
 * The Services adit adds in the cloud cluster, and the probe Service fix.
 *
 * - Gateway: headless, so the Link's gatewayAddress resolves to the adit
 *   server pods' own IPs. The service mirror copies those IPs into the
 *   Endpoints of every mirrored Service; a ClusterIP there would need a
 *   second kube-proxy translation, which never happens.
 * - API: an ordinary ClusterIP Service; the service mirror dials it directly.
 */
import { LinkError, LinkErrorCode, describeObject } from './errors.js';
import type { K8sObject } from './manifest.js';
import type { LinkTarget } from './options.js';

/** Standard labels of the adit-server chart's pods (charts/adit-server). */
export function serverSelector(release: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'adit-server', 'app.kubernetes.io/instance': release };
}

/** Marks the Services adit generates, so a second pass replaces them instead of adding copies. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'adit-link';
/** Not a mirror.linkerd.io label: Linkerd must never mistake these Services for its own. */
export const LINK_LABEL = 'adit-link';

export function isGeneratedService(obj: K8sObject): boolean {
  return obj.kind === 'Service' && obj.apiVersion === 'v1' && obj.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

export function serviceFqdn(name: string, namespace: string, clusterDomain: string): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Service names must be DNS-1035 labels; a long Link name can break that. */
export function checkServiceName(name: string, link: string): void {
  if (name.length > 63 || !DNS_1035.test(name)) {
    throw new LinkError(LinkErrorCode.INPUT, `Link ${link}: Service name "${name}" is not a valid DNS-1035 label (at most 63 characters)`);
  }
}

function labels(link: string, release: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'adit-server',
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/component': component,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [LINK_LABEL]: link,
  };
}

/** A Service in front of the adit server pods of the release, with the link's labels. */
function serverService(link: string, t: LinkTarget, name: string, component: string, spec: Record<string, unknown>, ports: [string, number][]): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: t.namespace, labels: labels(link, t.release, component) },
    spec: {
      ...spec,
      selector: serverSelector(t.release),
      ports: ports.map(([portName, port]) => ({ name: portName, port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

export function gatewayService(link: string, t: LinkTarget): K8sObject {
  // Headless: the name resolves to the server pods' own IPs (see docs/linkerd.md).
  return serverService(link, t, t.gatewayService, 'linkerd-gateway', { clusterIP: 'None' }, [['mc-gateway', t.gatewayPort], ['mc-probe', t.probePort]]);
}

export function apiService(link: string, t: LinkTarget): K8sObject {
  return serverService(link, t, t.apiService, 'kube-apiserver', { type: 'ClusterIP' }, [['https', t.apiPort]]);
}

/** Names of a Link's probe Service: link output (≤2.17) and chart-managed controllers (2.18+). */
export function probeServiceNames(link: string): string[] {
  return [`probe-gateway-${link}`, `probe-${link}`];
}

interface ServicePort {
  name?: string;
  port?: number;
  [key: string]: unknown;
}

/**
 * Linkerd probes the probe Service on the port named in the Link, so that
 * Service's port must equal probeSpec.port.
 */
export function patchProbeService(svc: K8sObject, probePort: number, index: number): K8sObject {
  const spec = svc.spec as { ports?: ServicePort[]; [key: string]: unknown } | undefined;
  const ports = spec?.ports;
  if (!Array.isArray(ports) || ports.length === 0) {
    throw new LinkError(LinkErrorCode.BAD_PROBE_SERVICE, `${describeObject(svc, index)} has no ports`);
  }
  const named = ports.findIndex((p) => p.name === 'mc-probe');
  const at = named >= 0 ? named : ports.length === 1 ? 0 : -1;
  if (at < 0) {
    throw new LinkError(LinkErrorCode.BAD_PROBE_SERVICE, `${describeObject(svc, index)} has several ports and none named mc-probe`);
  }
  const patched = ports.map((p, i) => (i === at ? { ...p, port: probePort } : p));
  return { ...svc, spec: { ...spec, ports: patched } };
}
