/**
 * The pure pieces of the link helper: reading YAML/JSON streams, writing YAML
 * kubectl reads back the same, the kubeconfig edit, and the --for syntax.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { LinkError, parseManifests, parseOverride, serializeManifests, type LinkTarget } from '../../src/k8s/link/index.js';
import { splitJsonStream } from '../../src/k8s/link/json-stream.js';
import { patchKubeconfigSecret, patchKubeconfigText } from '../../src/k8s/link/kubeconfig.js';

const cm = (name: string, data: Record<string, string> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('manifest streams', () => {
  it('splits a JSON stream whose strings hold braces, quotes and escapes', () => {
    const a = { s: '}{ "\\" ]' };
    const b = [1, { t: '\\' }];
    const text = `${JSON.stringify(a)}\n  ${JSON.stringify(b)}${JSON.stringify(a)}`;
    assert.deepEqual(splitJsonStream(text).map((p) => JSON.parse(p) as unknown), [a, b, a]);
  });

  it('splits any stream of JSON values back into those values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue())), { minLength: 1, maxLength: 5 }), fc.boolean(), (values, pretty) => {
        const text = values.map((v) => JSON.stringify(v, null, pretty ? 2 : 0)).join(pretty ? '\n' : '');
        assert.deepEqual(splitJsonStream(text).map((p) => JSON.parse(p) as unknown), JSON.parse(JSON.stringify(values)));
      }),
    );
  });

  it('flattens nested v1 Lists and skips empty YAML documents', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [cm('a'), { apiVersion: 'v1', kind: 'List', items: [cm('b')] }] };
    assert.deepEqual(parseManifests(JSON.stringify(list)).objects.map((o) => o.metadata?.name), ['a', 'b']);
    const yaml = '---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n# only a comment\n';
    const parsed = parseManifests(yaml);
    assert.equal(parsed.format, 'yaml');
    assert.deepEqual(parsed.objects.map((o) => o.metadata?.name), ['c']);
  });

  it('writes YAML that keeps YAML 1.1 look-alikes strings for kubectl', () => {
    const tricky = cm('t', { a: 'on', b: 'yes', c: 'off', d: '0777', e: '1:20', f: 'null', g: '4143', h: 'true', i: '~' });
    const text = serializeManifests([tricky as never], 'yaml');
    // Read back as kubectl would (YAML 1.1): every value is still a string.
    assert.deepEqual(parse(text.replace(/^---\n/, ''), { version: '1.1' }), tricky);
    assert.deepEqual(parseManifests(text).objects, [tricky]);
  });

  it('round-trips through JSON output', () => {
    const objs = [cm('a', { x: 'on' }), cm('b')];
    assert.deepEqual(parseManifests(serializeManifests(objs as never, 'json')).objects, objs);
  });
});

describe('kubeconfig patch', () => {
  const kc = [
    '# written by hand',
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    certificate-authority-data: Q0E=',
    '    server: https://10.0.0.1:6443',
    '    tls-server-name: old.name',
    '  name: a',
    '- cluster:',
    '    insecure-skip-tls-verify: false',
    '    server: https://10.0.0.2:6443',
    '  name: b',
    'users:',
    '- name: u',
    '  user:',
    '    client-certificate-data: Q0VSVA==',
    '    client-key-data: S0VZ',
    '',
  ].join('\n');
  const patch = { server: 'https://adit-home-api.adit.svc.cluster.local:6443', tlsServerName: 'kubernetes.default.svc' };

  it('changes server and tls-server-name of every cluster, nothing else', () => {
    const out = patchKubeconfigText(kc, patch, 'test');
    const expected = kc
      .replace('https://10.0.0.1:6443', patch.server)
      .replace('old.name', patch.tlsServerName)
      .replace('    server: https://10.0.0.2:6443', `    server: ${patch.server}\n    tls-server-name: ${patch.tlsServerName}`);
    assert.equal(out, expected);
    assert.equal(patchKubeconfigText(out, patch, 'test'), out, 'a second patch is a no-op');
  });

  it('edits stringData when the Secret carries the kubeconfig there', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { kubeconfig: kc } };
    const out = patchKubeconfigSecret(secret, patch, 'test');
    assert.match((out.stringData as Record<string, string>).kubeconfig, /adit-home-api/);
    assert.equal(out.data, undefined);
  });
});

describe('--for overrides', () => {
  it('merges repeated --for of one Link', () => {
    const m = new Map<string, Partial<LinkTarget>>();
    parseOverride('lab:gateway-port=7143, probe-port=7191', m);
    parseOverride('lab:release=adit-lab', m);
    assert.deepEqual(m.get('lab'), { gatewayPort: 7143, probePort: 7191, release: 'adit-lab' });
  });

  it('rejects bad values with a LinkError', () => {
    for (const spec of ['lab:gateway-port=70000', 'lab:release=Bad_Name', 'lab:', ':gateway-port=1', 'lab:tls-server-name=-x-']) {
      assert.throws(() => parseOverride(spec, new Map()), LinkError, spec);
    }
  });
});
