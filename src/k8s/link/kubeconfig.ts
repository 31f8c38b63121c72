/**
 * Points the kubeconfig of a Link's credentials Secret at the adit API
 * Service. Only `server` and `tls-server-name` change: the CA and the
 * credentials stay, so the home API server's certificate is still verified
 * end to end through the tunnel (adit passes TLS through untouched).
 */
import { isMap, isSeq, parseDocument } from 'yaml';
import { LinkError, LinkErrorCode } from './errors.js';
import type { K8sObject } from './manifest.js';

export interface KubeconfigPatch {
  /** https://<adit API Service FQDN>:<port> */
  server: string;
  /** A name in the home API server's certificate. */
  tlsServerName: string;
}

export const KUBECONFIG_KEY = 'kubeconfig';

/** Edits the kubeconfig text in place: key order and comments are kept. */
export function patchKubeconfigText(text: string, patch: KubeconfigPatch, where: string): string {
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length > 0) {
    throw new LinkError(LinkErrorCode.BAD_KUBECONFIG, `${where}: kubeconfig is not valid YAML: ${doc.errors[0].message}`);
  }
  const clusters = doc.get('clusters');
  if (!isSeq(clusters) || clusters.items.length === 0) {
    throw new LinkError(LinkErrorCode.BAD_KUBECONFIG, `${where}: kubeconfig has no clusters`);
  }
  for (const entry of clusters.items) {
    const cluster = isMap(entry) ? entry.get('cluster') : undefined;
    if (!isMap(cluster)) {
      throw new LinkError(LinkErrorCode.BAD_KUBECONFIG, `${where}: kubeconfig has a clusters[] entry without a cluster map`);
    }
    cluster.set('server', patch.server);
    cluster.set('tls-server-name', patch.tlsServerName);
  }
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(value: string, where: string): string {
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new LinkError(LinkErrorCode.BAD_KUBECONFIG, `${where}: data.${KUBECONFIG_KEY} is not base64`);
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Returns a copy of the Secret with its kubeconfig patched (data or stringData). */
export function patchKubeconfigSecret(secret: K8sObject, patch: KubeconfigPatch, where: string): K8sObject {
  const data = secret.data as Record<string, unknown> | undefined;
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (typeof stringData?.[KUBECONFIG_KEY] === 'string') {
    const text = patchKubeconfigText(stringData[KUBECONFIG_KEY], patch, where);
    return { ...secret, stringData: { ...stringData, [KUBECONFIG_KEY]: text } };
  }
  if (typeof data?.[KUBECONFIG_KEY] === 'string') {
    const text = patchKubeconfigText(decodeBase64(data[KUBECONFIG_KEY], where), patch, where);
    return { ...secret, data: { ...data, [KUBECONFIG_KEY]: Buffer.from(text, 'utf8').toString('base64') } };
  }
  throw new LinkError(LinkErrorCode.NO_KUBECONFIG, `${where} has no data.${KUBECONFIG_KEY}: nothing to point at adit`);
}

/** The decoded kubeconfig of a Secret (for tests and for `adit link` diagnostics). */
export function readKubeconfigSecret(secret: K8sObject): string | undefined {
  const data = secret.data as Record<string, unknown> | undefined;
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (typeof stringData?.[KUBECONFIG_KEY] === 'string') return stringData[KUBECONFIG_KEY];
  if (typeof data?.[KUBECONFIG_KEY] === 'string') return Buffer.from(data[KUBECONFIG_KEY], 'base64').toString('utf8');
  return undefined;
}
