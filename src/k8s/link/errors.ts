/**
 * Errors of the link helper. Every one is a problem with the input or the
 * flags, so the CLI maps all of them to exit code 2.
 */

export const LinkErrorCode = {
  /** The input is not YAML/JSON, or a document is not a Kubernetes object. */
  INPUT: 'ADIT_ERR_LINK_INPUT',
  /** A kind the link output never contains: we refuse to guess. */
  UNKNOWN_KIND: 'ADIT_ERR_LINK_UNKNOWN_KIND',
  /** No Link object in the input. */
  NO_LINK: 'ADIT_ERR_LINK_NO_LINK',
  /** A Link apiVersion this version of adit does not know. */
  LINK_VERSION: 'ADIT_ERR_LINK_VERSION',
  /** A Link's credentials Secret is missing, or has no kubeconfig. */
  NO_KUBECONFIG: 'ADIT_ERR_LINK_NO_KUBECONFIG',
  /** The kubeconfig cannot be decoded or has no clusters. */
  BAD_KUBECONFIG: 'ADIT_ERR_LINK_BAD_KUBECONFIG',
  /** A probe Service whose probe port cannot be identified. */
  BAD_PROBE_SERVICE: 'ADIT_ERR_LINK_BAD_PROBE_SERVICE',
  /** Two Links (or two roles) would claim the same adit port. */
  CONFLICT: 'ADIT_ERR_LINK_CONFLICT',
  /** A flag value is invalid. */
  FLAG: 'ADIT_ERR_LINK_FLAG',
} as const;
export type LinkErrorCodeValue = (typeof LinkErrorCode)[keyof typeof LinkErrorCode];

export class LinkError extends Error {
  readonly code: LinkErrorCodeValue;
  constructor(code: LinkErrorCodeValue, message: string) {
    super(message);
    this.name = 'LinkError';
    this.code = code;
  }
}

/** Human name of an object for messages: "Secret linkerd/cluster-credentials-home (item 2)", counted after Lists are flattened. */
export function describeObject(obj: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }, index?: number): string {
  const kind = typeof obj.kind === 'string' ? obj.kind : 'object';
  const ns = typeof obj.metadata?.namespace === 'string' ? `${obj.metadata.namespace}/` : '';
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '(unnamed)';
  return `${kind} ${ns}${name}${index === undefined ? '' : ` (item ${index + 1})`}`;
}
