export { LinkError, LinkErrorCode } from './errors.js';
export { parseManifests, serializeManifests, type K8sObject, type ManifestFormat } from './manifest.js';
export { DEFAULT_PATCH_OPTIONS, parseOverride, parsePort, checkDnsLabel, checkDnsName, type PatchOptions, type LinkTarget } from './options.js';
export { patchLinkManifests, type PatchResult } from './patch.js';
export { DEFAULT_UPSTREAM_OPTIONS, renderUpstreams, checkTarget, type UpstreamOptions, type UpstreamFormat } from './upstreams.js';
export { readKubeconfigSecret } from './kubeconfig.js';
export { LINK_GROUP, LINK_VERSIONS } from './link.js';
