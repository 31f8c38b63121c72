/**
 * What the goldens contain, checked against the schemas and the input:
 * - every Link validates against the Link CRD schema of its version;
 * - every other object validates against the Kubernetes schemas;
 * - only the fields adit owns changed; everything else is as it was.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseManifests, readKubeconfigSecret, type K8sObject } from '../../src/k8s/link/index.js';
import { PATCH_CASES, type PatchCase } from './link-cases.js';
import { fixture, goldenDir, input, linkValidators, validateK8s } from './link-support.js';

const crd219 = linkValidators('link-crd-2.19-edge.yaml');
const crd214 = linkValidators('link-crd-2.14.yaml');

function caseInput(c: PatchCase): K8sObject[] {
  const [kind, file] = c.source.split(':');
  return parseManifests(kind === 'fixture' ? fixture(file) : input(file)).objects;
}
function caseOutput(c: PatchCase): K8sObject[] {
  return parseManifests(readFileSync(join(goldenDir, c.golden), 'utf8')).objects;
}

function validateLink(link: K8sObject): void {
  const version = link.apiVersion.split('/')[1];
  const validators = [crd219.get(version), version === 'v1alpha1' ? crd214.get(version) : undefined];
  assert.ok(validators[0], `the 2.19 CRD does not serve ${version}`);
  for (const v of validators) {
    if (!v) continue;
    assert.ok(v(link), `${link.metadata?.name} ${version}: ${JSON.stringify(v.errors)}`);
  }
}

const key = (o: K8sObject): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const ADIT_OWNED_SPEC = ['gatewayAddress', 'gatewayPort', 'probeSpec'];

function without<T extends Record<string, unknown>>(o: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

describe('adit link patch: schemas and preserved fields', () => {
  it('the CRD validators reject what the API server would reject', () => {
    const link = caseOutput(PATCH_CASES[1]).find((o) => o.kind === 'Link') as K8sObject;
    const v = crd219.get('v1alpha3');
    assert.ok(v, 'the 2.19 CRD serves v1alpha3');
    assert.ok(v(link));
    const spec = link.spec as Record<string, unknown>;
    assert.equal(v(({ ...link, spec: { ...spec, gatewayPort: 6143 } })), false, 'a numeric gatewayPort must fail');
    assert.equal(v(({ ...link, spec: { ...spec, gatewayAdress: 'typo' } })), false, 'an unknown field must fail');
    assert.equal(v(({ ...link, spec: { ...spec, probeSpec: { period: 'three seconds' } } })), false, 'a bad duration must fail');
  });

  it('kubernetes-models rejects a bad Service', async () => {
    const bad: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: '6143' }] } };
    await assert.rejects(validateK8s(bad));
  });

  for (const c of PATCH_CASES) {
    it(c.name, async () => {
      const before = caseInput(c);
      const after = caseOutput(c);
      const beforeByKey = new Map(before.map((o) => [key(o), o]));
      const links = after.filter((o) => o.kind === 'Link');
      assert.deepEqual(links.map((l) => l.metadata?.name), c.links);

      for (const obj of after) {
        if (obj.kind === 'Link') validateLink(obj);
        else await validateK8s(obj);
      }

      for (const link of links) {
        const name = link.metadata?.name as string;
        const orig = beforeByKey.get(key(link)) as K8sObject;
        const spec = link.spec as Record<string, string> & { probeSpec: Record<string, string> };
        const origSpec = orig.spec as Record<string, string> & { probeSpec: Record<string, string> };
        // Everything but adit's three fields is as Linkerd printed it.
        assert.deepEqual(without(link, ['spec']), without(orig, ['spec']));
        assert.deepEqual(without(spec, ADIT_OWNED_SPEC), without(origSpec, ADIT_OWNED_SPEC));
        assert.deepEqual(without(spec.probeSpec, ['port']), without(origSpec.probeSpec, ['port']));

        // The gateway address is the headless Service, whose ports are the Link's.
        const [gwName, gwNamespace, svcLabel] = spec.gatewayAddress.split('.');
        assert.equal(svcLabel, 'svc');
        const gw = after.find((o) => o.kind === 'Service' && o.metadata?.name === gwName && o.metadata?.namespace === gwNamespace);
        if (c.services === false) {
          assert.equal(gw, undefined, '--no-services prints no gateway Service');
        } else {
          assert.ok(gw, `no gateway Service for ${name}`);
          const gwSpec = gw.spec as { clusterIP: string; selector: Record<string, string>; ports: { port: number; targetPort: number }[] };
          assert.equal(gwSpec.clusterIP, 'None');
          assert.deepEqual(gwSpec.ports.map((p) => String(p.port)), [spec.gatewayPort, spec.probeSpec.port]);
          for (const p of gwSpec.ports) assert.equal(p.port, p.targetPort, 'headless ports are not translated');
          assert.deepEqual(Object.keys(gwSpec.selector).sort(), ['app.kubernetes.io/instance', 'app.kubernetes.io/name']);
          assert.equal(gwSpec.selector['app.kubernetes.io/name'], 'adit-server');
        }

        // The probe Service, when present, listens on the Link's probe port.
        const probe = after.find((o) => o.kind === 'Service' && [`probe-gateway-${name}`, `probe-${name}`].includes(o.metadata?.name as string));
        const probeNoted = (c.notes ?? []).some((n) => n.includes(`Link ${name}`) || (c.links.length === 1 && n.includes('controllers[]')));
        if (probe) {
          assert.equal(String((probe.spec as { ports: { port: number }[] }).ports[0].port), spec.probeSpec.port);
          const origProbe = beforeByKey.get(key(probe)) as K8sObject;
          assert.deepEqual(without(probe, ['spec']), without(origProbe, ['spec']));
        } else {
          assert.ok(probeNoted, `Link ${name} has no probe Service and the case expects no note`);
        }

        // Both kubeconfig Secrets point at the API Service, and keep CA and credentials.
        const api = after.find((o) => o.kind === 'Service' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'kube-apiserver' && o.metadata.labels['adit-link'] === name);
        assert.equal(api === undefined, c.services === false, 'an API Service unless --no-services');
        const secrets = after.filter((o) => o.kind === 'Secret' && o.metadata?.name === spec.clusterCredentialsSecret);
        assert.equal(secrets.length, 2, 'both credentials Secrets (multicluster and linkerd namespaces)');
        for (const s of secrets) {
          const kc = parse(readKubeconfigSecret(s) as string, { version: '1.1' }) as { clusters: { cluster: Record<string, string> }[] };
          const origKc = parse(readKubeconfigSecret(beforeByKey.get(key(s)) as K8sObject) as string, { version: '1.1' }) as typeof kc;
          assert.deepEqual(without(kc, ['clusters']), without(origKc, ['clusters']));
          assert.equal(kc.clusters.length, origKc.clusters.length);
          kc.clusters.forEach((cl, i) => {
            const server = new URL(cl.cluster.server);
            assert.equal(server.protocol, 'https:');
            assert.equal(server.hostname.split('.svc.')[1], spec.gatewayAddress.split('.svc.')[1], 'same cluster domain');
            if (api) {
              assert.equal(server.hostname.split('.svc.')[0], `${api.metadata?.name}.${api.metadata?.namespace}`);
              assert.equal(Number(server.port), (api.spec as { ports: { port: number }[] }).ports[0].port);
            }
            assert.match(cl.cluster['tls-server-name'], /^kubernetes/);
            assert.deepEqual(without(cl.cluster, ['server', 'tls-server-name']), without(origKc.clusters[i].cluster, ['server', 'tls-server-name']));
          });
          assert.deepEqual(without(s, ['data']), without(beforeByKey.get(key(s)) as K8sObject, ['data']));
        }
      }

      // Everything adit does not own comes through untouched and in order.
      const owned = (o: K8sObject): boolean =>
        o.kind === 'Link' ||
        o.kind === 'Secret' ||
        (o.kind === 'Service' && (o.metadata?.labels?.['adit-link'] !== undefined || /^probe-/.test(o.metadata?.name as string)));
      assert.deepEqual(after.filter((o) => !owned(o)), before.filter((o) => !owned(o)));
      const added = c.services === false ? 0 : 2 * links.length;
      assert.equal(after.length, before.length + added, 'two Services added per Link (none with --no-services), nothing else');
    });
  }
});
