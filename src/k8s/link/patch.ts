/**
 * `adit link patch`: rewrites what `linkerd multicluster link` (2.14–2.17) or
 * `link-gen` (2.18+) prints so the cloud cluster reaches the home cluster
 * through adit, and adds the two Services that make that work.
 */
import { LinkError, LinkErrorCode, describeObject } from './errors.js';
import { patchKubeconfigSecret } from './kubeconfig.js';
import { checkLink, isLinkKind, LINK_GROUP, patchLink, type LinkObject, type LinkVersion } from './link.js';
import type { K8sObject } from './manifest.js';
import { checkNoPortConflicts, targetFor, type LinkTarget, type PatchOptions } from './options.js';
import {
  apiService,
  checkServiceName,
  gatewayService,
  isGeneratedService,
  patchProbeService,
  probeServiceNames,
  serviceFqdn,
} from './services.js';

export interface PatchResult {
  objects: K8sObject[];
  /** Things the user must do elsewhere (printed on stderr by the CLI). */
  notes: string[];
}

/** Kinds that `linkerd multicluster link` / `link-gen` print and adit keeps as they are. */
const PASSTHROUGH = new Set([
  'v1/ServiceAccount',
  'v1/ConfigMap',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'apps/Deployment',
  'policy/PodDisruptionBudget',
  'policy/PodSecurityPolicy',
  'policy.linkerd.io/Server',
  'policy.linkerd.io/ServerAuthorization',
  'policy.linkerd.io/AuthorizationPolicy',
  'policy.linkerd.io/MeshTLSAuthentication',
  'policy.linkerd.io/NetworkAuthentication',
]);

export const REMOTE_KUBECONFIG_TYPE = 'mirror.linkerd.io/remote-kubeconfig';

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? 'v1' : apiVersion.slice(0, slash);
}

interface LinkInfo {
  name: string;
  namespace: string | undefined;
  version: LinkVersion;
  target: LinkTarget;
  secret: string;
  secretSeen: boolean;
  probeSeen: boolean;
}

/** Objects without a namespace land in kubectl's current namespace: treat them as matching. */
function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function collectLinks(objects: readonly K8sObject[], opts: PatchOptions): Map<string, LinkInfo> {
  const links = new Map<string, LinkInfo>();
  objects.forEach((obj, i) => {
    if (!isLinkKind(obj)) return;
    const version = checkLink(obj, i);
    const name = (obj.metadata?.name ?? '') as string;
    if (links.has(name)) {
      throw new LinkError(LinkErrorCode.CONFLICT, `two Links are named ${name}; each needs its own adit Services`);
    }
    const secret = (obj as LinkObject).spec.clusterCredentialsSecret as string;
    for (const other of links.values()) {
      if (other.secret === secret) {
        throw new LinkError(LinkErrorCode.CONFLICT, `Links ${other.name} and ${name} share the credentials Secret ${secret}`);
      }
    }
    const target = targetFor(name, opts);
    checkServiceName(target.gatewayService, name);
    checkServiceName(target.apiService, name);
    links.set(name, {
      name,
      namespace: obj.metadata?.namespace,
      version,
      target,
      secret,
      secretSeen: false,
      probeSeen: false,
    });
  });
  if (links.size === 0) {
    throw new LinkError(
      LinkErrorCode.NO_LINK,
      `no ${LINK_GROUP} Link in the input: pipe in what \`linkerd multicluster link\` (2.14–2.17) or \`linkerd multicluster link-gen\` (2.18+) prints`,
    );
  }
  for (const name of opts.overrides.keys()) {
    if (!links.has(name)) {
      throw new LinkError(LinkErrorCode.FLAG, `--for ${name}: there is no Link named ${name} in the input (Links: ${[...links.keys()].join(', ')})`);
    }
  }
  checkNoPortConflicts(new Map([...links].map(([n, l]) => [n, l.target])));
  return links;
}

function patchOne(obj: K8sObject, i: number, links: Map<string, LinkInfo>, opts: PatchOptions): K8sObject[] {
  const group = groupOf(obj.apiVersion);
  if (isLinkKind(obj)) {
    const info = links.get(obj.metadata?.name as string) as LinkInfo;
    const t = info.target;
    const gateway = serviceFqdn(t.gatewayService, t.namespace, opts.clusterDomain);
    const patched = patchLink(obj as LinkObject, { gatewayAddress: gateway, gatewayPort: t.gatewayPort, probePort: t.probePort });
    if (!opts.services) return [patched];
    // The Services first, so they exist by the time the service mirror reads the Link.
    return [gatewayService(info.name, t), apiService(info.name, t), patched];
  }
  if (obj.apiVersion === 'v1' && obj.kind === 'Secret') {
    const name = obj.metadata?.name;
    const info = [...links.values()].find((l) => l.secret === name);
    if (info) {
      if (sameNamespace(obj.metadata?.namespace, info.namespace)) info.secretSeen = true;
      const t = info.target;
      const server = `https://${serviceFqdn(t.apiService, t.namespace, opts.clusterDomain)}:${t.apiPort}`;
      return [patchKubeconfigSecret(obj, { server, tlsServerName: t.tlsServerName }, describeObject(obj, i))];
    }
    if (obj.type === REMOTE_KUBECONFIG_TYPE) {
      throw new LinkError(
        LinkErrorCode.INPUT,
        `${describeObject(obj, i)} is a remote kubeconfig that no Link in the input refers to; pipe in the whole link output`,
      );
    }
    return [obj];
  }
  if (obj.apiVersion === 'v1' && obj.kind === 'Service') {
    if (isGeneratedService(obj)) return []; // regenerated next to its Link: patching twice changes nothing
    for (const info of links.values()) {
      if (probeServiceNames(info.name).includes(obj.metadata?.name as string) && sameNamespace(obj.metadata?.namespace, info.namespace)) {
        info.probeSeen = true;
        return [patchProbeService(obj, info.target.probePort, i)];
      }
    }
    return [obj];
  }
  if (PASSTHROUGH.has(`${group}/${obj.kind}`)) return [obj];
  throw new LinkError(
    LinkErrorCode.UNKNOWN_KIND,
    `${describeObject(obj, i)} (${obj.apiVersion}) is not part of Linkerd's link output; adit link does not know what to do with it`,
  );
}

export function patchLinkManifests(objects: readonly K8sObject[], opts: PatchOptions): PatchResult {
  const links = collectLinks(objects, opts);
  const out = objects.flatMap((obj, i) => patchOne(obj, i, links, opts));
  const notes: string[] = [];
  for (const info of links.values()) {
    if (!info.secretSeen) {
      throw new LinkError(
        LinkErrorCode.NO_KUBECONFIG,
        `Link ${info.name} refers to Secret ${info.secret}, which is not in the input: the kubeconfig is missing`,
      );
    }
    if (!info.probeSeen) {
      notes.push(
        `Link ${info.name}: no probe Service in the input (linkerd 2.18+ creates probe-${info.name} from the linkerd-multicluster chart). ` +
          `Set its port to ${info.target.probePort} there: controllers[].gateway.probe.port=${info.target.probePort} for link ${info.name}.`,
      );
    }
  }
  return { objects: out, notes };
}
