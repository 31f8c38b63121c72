import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { all, find, helmLint, helmTemplate, helmTemplateError, valuesPath, type K8sObject, type Rendered } from './render.js';
import { maskGeneratedTokens, matchSnapshot } from './snapshot.js';
import { validateAll } from './validate.js';

const v = (name: string): string => valuesPath('test/charts/values', `${name}.yaml`);
const homeExample = valuesPath('examples/two-clusters/home/values.yaml');
const SELECTOR = { 'app.kubernetes.io/name': 'adit-client', 'app.kubernetes.io/instance': 'adit' };

async function render(snapshot: string, files: string[]): Promise<Rendered> {
  const r = await helmTemplate('adit-client', files);
  await validateAll(r.objects);
  matchSnapshot(`adit-client/${snapshot}`, maskGeneratedTokens(r.text));
  return r;
}

function container(objects: K8sObject[]): K8sObject {
  const pod = find(objects, 'Deployment').spec.template.spec;
  assert.equal(pod.containers.length, 1);
  return pod.containers[0];
}

const flags = (args: string[], name: string): string[] => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));

describe('charts/adit-client', { timeout: 120_000 }, () => {
  it('passes helm lint --strict with a URL and with the home example', async () => {
    assert.match(await helmLint('adit-client', [v('client-minimal')]), /1 chart\(s\) linted, 0 chart\(s\) failed/);
    await helmLint('adit-client', [homeExample]);
  });

  it('refuses to render without a url, or with a bad one', async () => {
    assert.match(await helmTemplateError('adit-client', []), /url is required/);
    assert.match(await helmTemplateError('adit-client', [], ['url=https://x.example/tunnel']), /url/);
    assert.match(await helmTemplateError('adit-client', [], ['url=ws://x.example/tunnel']), /plain ws:\/\/.*insecure: true/);
    assert.match(await helmTemplateError('adit-client', [v('client-minimal')], ['drainTimeoutSeconds=30', 'terminationGracePeriodSeconds=30']), /must be greater than drainTimeoutSeconds/);
    assert.match(await helmTemplateError('adit-client', [v('client-minimal')], ['upstreams[0].match=tcp:1']), /target/);
    assert.match(await helmTemplateError('adit-client', [v('client-minimal')], ['upstreams[0].match=tcp:x', 'upstreams[0].target=a:1']), /match/);
  });

  it('renders secure, probed defaults around the url', async () => {
    const { objects } = await render('minimal', [v('client-minimal')]);
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['Deployment', 'Secret', 'ServiceAccount']);
    const dep = find(objects, 'Deployment');
    const pod = dep.spec.template.spec;
    const c = container(objects);
    assert.deepEqual(c.args, [
      'client',
      '--url=wss://tunnel.example.com/tunnel',
      '--token-file=/etc/adit/token/token',
      '--id=adit-adit-client',
      '--strict-forwarding=true',
      '--admin-addr=0.0.0.0',
      '--admin-port=9091',
      '--dial-timeout=10s',
      '--drain-timeout=10s',
      '--keepalive-interval=10s',
      '--keepalive-timeout=30s',
      '--log-level=info',
      '--log-format=json',
    ]);
    assert.deepEqual(c.ports, [{ name: 'admin', containerPort: 9091, protocol: 'TCP' }]);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'admin' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'admin' });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.equal(pod.terminationGracePeriodSeconds, 25, 'drain 10 s + 15');
    assert.equal(dep.spec.strategy.type, 'Recreate');
    assert.deepEqual(dep.spec.selector.matchLabels, SELECTOR);
    // Safe to set on an unmeshed pod; required on a meshed one that dials the gateway.
    assert.equal(dep.spec.template.metadata.annotations['config.linkerd.io/skip-outbound-ports'], '4143,4191');
    const secret = find(objects, 'Secret');
    assert.match(Buffer.from(secret.data.token, 'base64').toString(), /^[A-Za-z0-9]{48}$/);
    assert.equal(pod.volumes.find((x: K8sObject) => x.name === 'token').secret.secretName, secret.metadata.name);
  });

  it('renders the home example: Linkerd gateway, probe and API upstreams as --upstream flags', async () => {
    const { objects } = await render('home-example', [homeExample]);
    const c = container(objects);
    assert.deepEqual(flags(c.args, 'upstream'), [
      'tcp:6143=linkerd-gateway.linkerd-multicluster.svc.cluster.local:4143',
      'tcp:6191=linkerd-gateway.linkerd-multicluster.svc.cluster.local:4191',
      'tcp:6443=kubernetes.default.svc.cluster.local:443',
      'demo.example.com=http://web.demo.svc.cluster.local:80',
    ]);
    assert.deepEqual(flags(c.args, 'id'), ['adit-home']);
    assert.deepEqual(flags(c.args, 'url'), ['wss://tunnel.example.com/tunnel']);
    assert.equal(all(objects, 'Secret').length, 0);
    assert.equal(find(objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'adit-token');
    assert.equal(find(objects, 'Deployment').spec.template.metadata.annotations['config.linkerd.io/skip-outbound-ports'], '4143,4191');
  });

  it('trusts a private CA from caSecretName and checks a given server name', async () => {
    const { objects } = await render('tls', [v('client-tls')]);
    const c = container(objects);
    const pod = find(objects, 'Deployment').spec.template.spec;
    assert.deepEqual(flags(c.args, 'ca-file'), ['/etc/adit/ca/bundle.pem']);
    assert.deepEqual(flags(c.args, 'tls-server-name'), ['adit.internal.example']);
    assert.equal(c.args.includes('--insecure'), false);
    assert.ok(pod.volumes.some((x: K8sObject) => x.name === 'ca' && x.secret.secretName === 'private-ca'));
    assert.ok(c.volumeMounts.some((m: K8sObject) => m.name === 'ca' && m.mountPath === '/etc/adit/ca'));
    assert.equal(pod.volumes.find((x: K8sObject) => x.name === 'token').secret.secretName, 'client-token');
  });

  it('renders insecure mode, strictForwarding=false, a default HTTP route, and no Linkerd annotation', async () => {
    const { objects } = await render('insecure', [v('client-insecure')]);
    const c = container(objects);
    assert.ok(c.args.includes('--insecure'));
    assert.deepEqual(flags(c.args, 'strict-forwarding'), ['false']);
    assert.deepEqual(flags(c.args, 'upstream'), ['http://web.default.svc:80', 'tcp:7000-7002=db.default.svc:8800-8802']);
    const tpl = find(objects, 'Deployment').spec.template;
    assert.equal(tpl.metadata.annotations, undefined);
    assert.equal(Buffer.from(find(objects, 'Secret').data.token, 'base64').toString(), 'client-literal-token-for-tests');
  });

  it('passes pod metadata, scheduling, env, extra args, ServiceMonitor and PDB through', async () => {
    const { objects } = await render('options', [v('client-options')]);
    const dep = find(objects, 'Deployment');
    const tpl = dep.spec.template;
    const c = container(objects);
    assert.deepEqual(flags(c.args, 'id'), ['home-lab-1']);
    assert.equal(c.args.at(-1), '--log-level=debug');
    assert.deepEqual(c.env.map((e: K8sObject) => e.name), ['POD_NAME', 'NODE_OPTIONS']);
    assert.equal(tpl.metadata.annotations['example.com/team'], 'net');
    assert.equal(tpl.metadata.annotations['config.linkerd.io/skip-outbound-ports'], '4143,4191');
    assert.equal(tpl.metadata.labels['example.com/tier'], 'edge');
    assert.deepEqual(dep.spec.selector.matchLabels, SELECTOR);
    assert.deepEqual(tpl.spec.nodeSelector, { 'kubernetes.io/arch': 'arm64' });
    assert.deepEqual(tpl.spec.tolerations, [{ operator: 'Exists' }]);
    assert.ok(tpl.spec.affinity.nodeAffinity);
    assert.equal(tpl.spec.terminationGracePeriodSeconds, 60);
    const sm = find(objects, 'ServiceMonitor');
    const ms = find(objects, 'Service', 'adit-adit-client-metrics');
    for (const [k, val] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(ms.metadata.labels[k], val);
    assert.deepEqual(ms.spec.selector, SELECTOR);
    assert.equal(ms.spec.ports[0].port, 9091);
    assert.equal(find(objects, 'PodDisruptionBudget').spec.minAvailable, 0);
  });
});
