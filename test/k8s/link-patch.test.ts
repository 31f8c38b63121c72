/**
 * Properties of the patch over its whole option space (fast-check): for any
 * valid namespace, release, ports, server name and cluster domain, on every
 * input shape, the result validates, points where the options say, and a
 * second pass changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_PATCH_OPTIONS, parseManifests, patchLinkManifests, readKubeconfigSecret, serializeManifests, type PatchOptions } from '../../src/k8s/link/index.js';
import { parse } from 'yaml';
import { fixture, input, linkValidators } from './link-support.js';

const validators = linkValidators('link-crd-2.19-edge.yaml');
const INPUTS = [
  fixture('link-output-2.14.yaml'),
  fixture('link-gen-output-2.18.yaml'),
  input('link-output-2.17.yaml'),
  input('link-output-2.14.json'),
  input('link-output-2.19-edge.yaml'),
];

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
const options = fc
  .record({
    namespace: label,
    release: label,
    ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 3, maxLength: 3 }),
    tlsServerName: dnsName,
    clusterDomain: dnsName,
    services: fc.boolean(),
  })
  .map(({ ports, ...rest }): PatchOptions => ({
    ...DEFAULT_PATCH_OPTIONS,
    ...rest,
    gatewayPort: ports[0],
    probePort: ports[1],
    apiPort: ports[2],
  }));

describe('adit link patch: properties', () => {
  it('validates, points where told, and is idempotent for any options', () => {
    fc.assert(
      fc.property(options, fc.constantFrom(...INPUTS.keys()), (opts, which) => {
        const parsed = parseManifests(INPUTS[which]);
        const once = serializeManifests(patchLinkManifests(parsed.objects, opts).objects, parsed.format);
        const again = parseManifests(once);
        const twice = serializeManifests(patchLinkManifests(again.objects, opts).objects, again.format);
        assert.equal(twice, once);

        for (const o of again.objects) {
          if (o.kind === 'Link') {
            const v = validators.get(o.apiVersion.split('/')[1]);
            assert.ok(v?.(o), JSON.stringify(v?.errors));
            const spec = o.spec as { gatewayAddress: string; gatewayPort: string; probeSpec: { port: string } };
            assert.equal(spec.gatewayAddress, `adit-${o.metadata?.name}-gateway.${opts.namespace}.svc.${opts.clusterDomain}`);
            assert.equal(spec.gatewayPort, String(opts.gatewayPort));
            assert.equal(spec.probeSpec.port, String(opts.probePort));
          }
          if (o.kind === 'Secret') {
            const kc = parse(readKubeconfigSecret(o) as string) as { clusters: { cluster: Record<string, string> }[] };
            for (const c of kc.clusters) {
              assert.equal(c.cluster['tls-server-name'], opts.tlsServerName);
              assert.match(c.cluster.server, new RegExp(`^https://adit-[a-z0-9-]+-api\\.${opts.namespace}\\.svc\\.${opts.clusterDomain.replace(/\./g, '\\.')}:${opts.apiPort}$`));
            }
          }
        }
        const added = again.objects.length - parsed.objects.length;
        assert.equal(added, opts.services ? 2 : 0);
      }),
      { numRuns: 60 },
    );
  });
});
