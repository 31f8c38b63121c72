/**
 * `adit link` through the real CLI process: every input it does not
 * understand exits 2 with a clear reason on stderr and nothing on stdout, so a
 * pipe into `kubectl apply -f -` applies nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { fixture, input, runCli, yamlObjects } from './link-support.js';

const ok214 = fixture('link-output-2.14.yaml');
const docs214 = yamlObjects(ok214);
const toYaml = (objs: unknown[]): string => objs.map((o) => `---\n${stringify(o)}`).join('');
const kubeconfigSecret = docs214[0];

function withKubeconfig(text: string): Record<string, unknown> {
  return { ...kubeconfigSecret, data: { kubeconfig: Buffer.from(text).toString('base64') } };
}
function replaceSecret(secret: unknown): string {
  return toYaml(docs214.map((d) => (d === kubeconfigSecret ? secret : d)));
}

interface ErrorCase {
  name: string;
  args?: string[];
  stdin: string;
  /** Substring of stderr: the reason, in words. */
  reason: string;
  code?: string;
}

const ERROR_CASES: ErrorCase[] = [
  { name: 'empty input', stdin: '', reason: 'no multicluster.linkerd.io Link', code: 'ADIT_ERR_LINK_NO_LINK' },
  { name: 'no Link', stdin: toYaml(docs214.filter((d) => d.kind !== 'Link')), reason: 'no multicluster.linkerd.io Link', code: 'ADIT_ERR_LINK_NO_LINK' },
  {
    name: 'an unknown kind',
    stdin: `${ok214}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: intruder\n`,
    reason: 'Pod intruder (item 11) (v1) is not part of',
    code: 'ADIT_ERR_LINK_UNKNOWN_KIND',
  },
  {
    name: 'an unknown kind of the Linkerd group',
    stdin: `${ok214}\n---\napiVersion: multicluster.linkerd.io/v1alpha1\nkind: Gateway\nmetadata:\n  name: g\n`,
    reason: 'Gateway g',
    code: 'ADIT_ERR_LINK_UNKNOWN_KIND',
  },
  {
    name: 'a Link version adit does not know',
    stdin: ok214.replace('multicluster.linkerd.io/v1alpha1', 'multicluster.linkerd.io/v1beta1'),
    reason: 'has apiVersion multicluster.linkerd.io/v1beta1',
    code: 'ADIT_ERR_LINK_VERSION',
  },
  {
    name: 'the kubeconfig Secret is missing',
    stdin: toYaml(docs214.filter((d) => !(d.kind === 'Secret' && d.metadata?.namespace === 'linkerd-multicluster'))),
    reason: 'refers to Secret cluster-credentials-home, which is not in the input',
    code: 'ADIT_ERR_LINK_NO_KUBECONFIG',
  },
  {
    name: 'a Secret without kubeconfig data',
    stdin: replaceSecret({ ...kubeconfigSecret, data: { token: 'eA==' } }),
    reason: 'has no data.kubeconfig',
    code: 'ADIT_ERR_LINK_NO_KUBECONFIG',
  },
  {
    name: 'a Link without clusterCredentialsSecret',
    stdin: ok214.replace('  clusterCredentialsSecret: cluster-credentials-home\n', ''),
    reason: 'has no spec.clusterCredentialsSecret',
    code: 'ADIT_ERR_LINK_NO_KUBECONFIG',
  },
  {
    name: 'kubeconfig that is not base64',
    stdin: replaceSecret({ ...kubeconfigSecret, data: { kubeconfig: 'not base64!' } }),
    reason: 'is not base64',
    code: 'ADIT_ERR_LINK_BAD_KUBECONFIG',
  },
  {
    name: 'kubeconfig without clusters',
    stdin: replaceSecret(withKubeconfig('apiVersion: v1\nkind: Config\nusers: []\n')),
    reason: 'kubeconfig has no clusters',
    code: 'ADIT_ERR_LINK_BAD_KUBECONFIG',
  },
  {
    name: 'kubeconfig that is not YAML',
    stdin: replaceSecret(withKubeconfig('clusters: [\n')),
    reason: 'kubeconfig is not valid YAML',
    code: 'ADIT_ERR_LINK_BAD_KUBECONFIG',
  },
  // The other fixtures are what people pipe in by mistake.
  {
    name: 'the service mirror render alone (fixture service-mirror-render-2.14)',
    stdin: fixture('service-mirror-render-2.14.golden.yaml'),
    reason: 'no multicluster.linkerd.io Link in the input',
    code: 'ADIT_ERR_LINK_NO_LINK',
  },
  {
    name: 'the Link CRD (fixture link-crd-2.19-edge, from multicluster install)',
    stdin: `${fixture('link-crd-2.19-edge.yaml')}---\n${ok214}`,
    reason: 'CustomResourceDefinition links.multicluster.linkerd.io (item 1)',
    code: 'ADIT_ERR_LINK_UNKNOWN_KIND',
  },
  {
    name: 'Helm values instead of manifests (fixture multicluster-values-2.14)',
    stdin: fixture('multicluster-values-2.14.yaml'),
    reason: 'document 1 has no apiVersion or kind',
    code: 'ADIT_ERR_LINK_INPUT',
  },
  { name: 'invalid YAML', stdin: 'kind: Link\n  - : [\n', reason: 'not valid YAML', code: 'ADIT_ERR_LINK_INPUT' },
  { name: 'invalid JSON', stdin: '{"kind": "Link",', reason: 'not valid JSON', code: 'ADIT_ERR_LINK_INPUT' },
  { name: 'a scalar document', stdin: 'just words\n', reason: 'document 1 is not a Kubernetes object', code: 'ADIT_ERR_LINK_INPUT' },
  {
    name: 'a remote kubeconfig no Link refers to',
    stdin: `${ok214}\n---\n${stringify({ ...kubeconfigSecret, metadata: { name: 'cluster-credentials-other', namespace: 'linkerd-multicluster' } })}`,
    reason: 'no Link in the input refers to',
    code: 'ADIT_ERR_LINK_INPUT',
  },
  {
    name: 'two Links on the same ports of the same release',
    stdin: input('multi-link.yaml'),
    reason: 'port 6143 of release adit/adit-server is claimed twice',
    code: 'ADIT_ERR_LINK_CONFLICT',
  },
  {
    name: 'two Links given one Service name',
    args: ['--gateway-service', 'shared-gw', '--for', 'lab:gateway-port=7143,probe-port=7191,api-port=7443'],
    stdin: input('multi-link.yaml'),
    reason: 'Service adit/shared-gw is named for both Link home and Link lab',
    code: 'ADIT_ERR_LINK_CONFLICT',
  },
  {
    name: 'gateway and probe on the same port',
    args: ['--probe-port', '6143'],
    stdin: ok214,
    reason: 'claimed twice',
    code: 'ADIT_ERR_LINK_CONFLICT',
  },
  {
    name: 'a probe Service with several ports, none named mc-probe',
    stdin: ok214.replace('  - name: mc-probe\n    port: 4191\n', '  - name: a\n    port: 4191\n  - name: b\n    port: 4192\n'),
    reason: 'none named mc-probe',
    code: 'ADIT_ERR_LINK_BAD_PROBE_SERVICE',
  },
  { name: 'port 0', args: ['--gateway-port', '0'], stdin: ok214, reason: '--gateway-port must be between 1 and 65535', code: 'ADIT_ERR_LINK_FLAG' },
  { name: 'a port that is not a number', args: ['--api-port', '64x'], stdin: ok214, reason: '--api-port must be a port number', code: 'ADIT_ERR_LINK_FLAG' },
  { name: 'a namespace that is not a DNS label', args: ['-n', 'Adit_NS'], stdin: ok214, reason: '--namespace must be a DNS label', code: 'ADIT_ERR_LINK_FLAG' },
  { name: 'an unknown output format', args: ['-o', 'xml'], stdin: ok214, reason: '--output must be yaml or json', code: 'ADIT_ERR_LINK_FLAG' },
  { name: '--for a Link not in the input', args: ['--for', 'nope:gateway-port=7000'], stdin: ok214, reason: 'there is no Link named nope', code: 'ADIT_ERR_LINK_FLAG' },
  { name: '--for with an unknown key', args: ['--for', 'home:colour=blue'], stdin: ok214, reason: 'unknown key in "colour=blue"', code: 'ADIT_ERR_LINK_FLAG' },
  { name: '--for without a Link name', args: ['--for', 'gateway-port=7000'], stdin: ok214, reason: '--for expects LINK:key=value', code: 'ADIT_ERR_LINK_FLAG' },
  { name: 'an unknown option', args: ['--frobnicate'], stdin: ok214, reason: "unknown option '--frobnicate'" },
  { name: 'a file that does not exist', args: ['-f', '/nonexistent/adit-link.yaml'], stdin: '', reason: 'cannot read /nonexistent/adit-link.yaml: ENOENT' },
];

describe('adit link patch: errors exit 2 with nothing on stdout', { concurrency: 4 }, () => {
  for (const c of ERROR_CASES) {
    it(c.name, async () => {
      const r = await runCli(['link', 'patch', ...(c.args ?? [])], c.stdin);
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
      assert.ok(r.stderr.includes(c.reason), `stderr should say "${c.reason}", got: ${r.stderr}`);
      if (c.code) assert.ok(r.stderr.includes(c.code), `stderr should carry ${c.code}: ${r.stderr}`);
      assert.ok(!r.stderr.includes('    at '), `no stack trace for a usage error: ${r.stderr}`);
      assert.ok(!r.stderr.includes('eyJhbGciOiJSUzI1NiJ9'), 'the kubeconfig token never appears in errors');
    });
  }

  it('reads a file with -f like stdin', async () => {
    const viaStdin = await runCli(['link', 'patch'], ok214);
    const viaFile = await runCli(['link', 'patch', '-f', 'test/fixtures/linkerd/link-output-2.14.yaml']);
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.equal(viaFile.stdout, viaStdin.stdout);
  });

  it('prints help with exit 0', async () => {
    const r = await runCli(['link', 'patch', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--tls-server-name/);
  });
});
