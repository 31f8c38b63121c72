/**
 * The Link custom resource (multicluster.linkerd.io v1alpha1, v1alpha2,
 * v1alpha3). The three versions share the fields adit changes, so one patch
 * serves them all; everything else in the spec is kept as it was.
 */
import { LinkError, LinkErrorCode, describeObject } from './errors.js';
import type { K8sObject } from './manifest.js';

export const LINK_GROUP = 'multicluster.linkerd.io';
export const LINK_VERSIONS = ['v1alpha1', 'v1alpha2', 'v1alpha3'] as const;
export type LinkVersion = (typeof LINK_VERSIONS)[number];

export interface LinkSpec {
  clusterCredentialsSecret?: string;
  gatewayAddress?: string;
  gatewayPort?: string;
  probeSpec?: { port?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface LinkObject extends K8sObject {
  spec: LinkSpec;
}

export function isLinkKind(obj: K8sObject): boolean {
  return obj.kind === 'Link' && obj.apiVersion.split('/')[0] === LINK_GROUP;
}

/** Checks a Link well enough to patch it, and returns its version. */
export function checkLink(obj: K8sObject, index: number): LinkVersion {
  const where = describeObject(obj, index);
  const version = obj.apiVersion.split('/')[1] as LinkVersion;
  if (!LINK_VERSIONS.includes(version)) {
    throw new LinkError(
      LinkErrorCode.LINK_VERSION,
      `${where} has apiVersion ${obj.apiVersion}; adit knows ${LINK_VERSIONS.map((v) => `${LINK_GROUP}/${v}`).join(', ')}`,
    );
  }
  if (typeof obj.metadata?.name !== 'string' || obj.metadata.name === '') {
    throw new LinkError(LinkErrorCode.INPUT, `${where} has no metadata.name`);
  }
  const spec = obj.spec as LinkSpec | undefined;
  if (typeof spec !== 'object' || spec === null) {
    throw new LinkError(LinkErrorCode.INPUT, `${where} has no spec`);
  }
  if (typeof spec.clusterCredentialsSecret !== 'string' || spec.clusterCredentialsSecret === '') {
    throw new LinkError(LinkErrorCode.NO_KUBECONFIG, `${where} has no spec.clusterCredentialsSecret: the service mirror could not reach the home API server`);
  }
  return version;
}

export interface LinkPatch {
  gatewayAddress: string;
  gatewayPort: number;
  probePort: number;
}

/** A copy of the Link pointing at adit; key order is kept so diffs stay small. */
export function patchLink(link: LinkObject, patch: LinkPatch): LinkObject {
  const spec: LinkSpec = { ...link.spec };
  spec.gatewayAddress = patch.gatewayAddress;
  spec.gatewayPort = String(patch.gatewayPort);
  spec.probeSpec = { ...(link.spec.probeSpec ?? {}), port: String(patch.probePort) };
  return { ...link, spec };
}
