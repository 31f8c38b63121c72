import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { all, find, helmLint, helmTemplate, helmTemplateError, valuesPath, type K8sObject, type Rendered } from './render.js';
import { maskGeneratedTokens, matchSnapshot } from './snapshot.js';
import { validateAll } from './validate.js';

const v = (name: string): string => valuesPath('test/charts/values', `${name}.yaml`);
const cloudExample = valuesPath('examples/two-clusters/cloud/values.yaml');
const SELECTOR = { 'app.kubernetes.io/name': 'adit-server', 'app.kubernetes.io/instance': 'adit' };

/** Renders, validates every object against the Kubernetes schemas, and checks the snapshot. */
async function render(snapshot: string, files: string[]): Promise<Rendered> {
  const r = await helmTemplate('adit-server', files);
  await validateAll(r.objects);
  matchSnapshot(`adit-server/${snapshot}`, maskGeneratedTokens(r.text));
  return r;
}

function container(objects: K8sObject[]): K8sObject {
  const dep = find(objects, 'Deployment');
  assert.equal(dep.spec.template.spec.containers.length, 1);
  return dep.spec.template.spec.containers[0];
}

function flag(args: string[], name: string): string | undefined {
  const hits = args.filter((a) => a.startsWith(`--${name}=`));
  assert.ok(hits.length <= 1, `--${name} given ${hits.length} times`);
  return hits[0]?.slice(name.length + 3);
}

describe('charts/adit-server', { timeout: 120_000 }, () => {
  it('passes helm lint --strict with defaults and with the cloud example', async () => {
    const out = await helmLint('adit-server');
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    await helmLint('adit-server', [cloudExample]);
  });

  it('renders secure, probed defaults with a generated token', async () => {
    const { objects } = await render('defaults', []);
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['Deployment', 'Secret', 'Service', 'ServiceAccount']);
    const dep = find(objects, 'Deployment');
    const pod = dep.spec.template.spec;
    const c = container(objects);

    assert.deepEqual(c.args, [
      'server',
      '--control-addr=0.0.0.0',
      '--control-port=8123',
      '--control-path=/tunnel',
      '--data-addr=0.0.0.0',
      '--port=8000',
      '--allow-ports=1024-65535',
      '--token-file=/etc/adit/token/token',
      '--admin-addr=0.0.0.0',
      '--admin-port=9090',
      '--drain-timeout=30s',
      '--keepalive-interval=10s',
      '--keepalive-timeout=30s',
      '--log-level=info',
      '--log-format=json',
    ]);
    // Probes hit the admin port named in the args.
    const admin = c.ports.find((p: K8sObject) => p.name === 'admin');
    assert.equal(admin.containerPort, Number(flag(c.args, 'admin-port')));
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'admin' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'admin' });
    assert.deepEqual(
      c.ports.map((p: K8sObject) => [p.name, p.containerPort]),
      [['control', 8123], ['http', 8000], ['admin', 9090]],
    );

    // Secure defaults.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.equal(pod.automountServiceAccountToken, false);

    // Termination outlasts the drain.
    const drain = parseInt(flag(c.args, 'drain-timeout')!, 10);
    assert.ok(pod.terminationGracePeriodSeconds > drain, `${pod.terminationGracePeriodSeconds} <= ${drain}`);

    // Selectors: exactly name + instance, matching the pod labels.
    assert.deepEqual(dep.spec.selector.matchLabels, SELECTOR);
    for (const [k, val] of Object.entries(SELECTOR)) assert.equal(dep.spec.template.metadata.labels[k], val);
    const svc = find(objects, 'Service', 'adit-adit-server');
    assert.deepEqual(svc.spec.selector, SELECTOR);
    assert.deepEqual(svc.spec.ports, [{ name: 'control', port: 8123, targetPort: 'control', protocol: 'TCP', appProtocol: 'http' }]);

    // The generated token Secret is the one mounted, under the key the args read.
    const secret = find(objects, 'Secret');
    const token = Buffer.from(secret.data.token, 'base64').toString();
    assert.match(token, /^[A-Za-z0-9]{48}$/);
    const vol = pod.volumes.find((x: K8sObject) => x.name === 'token');
    assert.equal(vol.secret.secretName, secret.metadata.name);
    assert.equal(c.volumeMounts.find((m: K8sObject) => m.name === 'token').mountPath, '/etc/adit/token');
  });

  it('generates a fresh token per offline render (no lookup), hence tokenSecretName for GitOps', async () => {
    const a = find((await helmTemplate('adit-server', [])).objects, 'Secret').data.token;
    const b = find((await helmTemplate('adit-server', [])).objects, 'Secret').data.token;
    assert.notEqual(a, b);
  });

  it('renders the cloud example: headless gateway, API and web Services, ingress, network policy', async () => {
    const { objects } = await render('cloud-example', [cloudExample]);
    const gw = find(objects, 'Service', 'adit-home-gateway');
    assert.equal(gw.spec.clusterIP, 'None');
    assert.equal(gw.spec.type, 'ClusterIP');
    assert.deepEqual(gw.spec.ports.map((p: K8sObject) => [p.port, p.targetPort]), [[6143, 6143], [6191, 6191]]);
    assert.deepEqual(gw.spec.selector, { 'app.kubernetes.io/name': 'adit-server', 'app.kubernetes.io/instance': 'adit' });
    const api = find(objects, 'Service', 'adit-home-api');
    assert.equal(api.spec.clusterIP, undefined);
    assert.deepEqual(api.spec.ports.map((p: K8sObject) => [p.port, p.targetPort]), [[6443, 6443]]);
    const web = find(objects, 'Service', 'adit-home-web');
    assert.deepEqual(web.spec.ports.map((p: K8sObject) => [p.port, p.targetPort]), [[80, 8000]]);

    assert.equal(all(objects, 'Secret').length, 0, 'tokenSecretName given: no chart Secret');
    const c = container(objects);
    assert.equal(flag(c.args, 'allow-ports'), '6143,6191,6443');
    assert.equal(find(objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'adit-token');
    assert.equal(find(objects, 'Deployment').spec.template.metadata.annotations['config.linkerd.io/skip-inbound-ports'], '6143,6191');

    const ing = find(objects, 'Ingress');
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.equal(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
    assert.deepEqual(ing.spec.tls, [{ hosts: ['tunnel.example.com'], secretName: 'tunnel-example-com-tls' }]);
    const path = ing.spec.rules[0].http.paths[0];
    assert.equal(path.path, '/tunnel');
    assert.deepEqual(path.backend.service, { name: 'adit-home', port: { name: 'control' } });

    const np = find(objects, 'NetworkPolicy');
    assert.deepEqual(np.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    assert.deepEqual(np.spec.ingress[0].ports, [{ port: 8123, protocol: 'TCP' }]);
    assert.deepEqual(np.spec.ingress[1].ports.map((p: K8sObject) => p.port).sort(), [6143, 6191, 6443, 8000]);
    assert.equal(np.spec.ingress[1].from, undefined);
  });

  it('mounts an existing token Secret and renders none of its own', async () => {
    const { objects } = await render('existing-secret', [v('server-existing-secret')]);
    assert.equal(all(objects, 'Secret').length, 0);
    const c = container(objects);
    assert.equal(flag(c.args, 'token-file'), '/etc/adit/token/tokens.txt');
    assert.equal(find(objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'my-tokens');
  });

  it('stores a literal token in its Secret', async () => {
    const { objects } = await render('literal-token', [v('server-literal-token')]);
    const secret = find(objects, 'Secret', 'adit-adit-server-token');
    assert.equal(Buffer.from(secret.data.token, 'base64').toString(), 'literal-token-for-tests-0123456789');
  });

  it('renders the Ingress with host, TLS, className and annotations on the control path', async () => {
    const { objects } = await render('ingress', [v('server-ingress')]);
    const ing = find(objects, 'Ingress');
    assert.equal(ing.spec.ingressClassName, 'traefik');
    assert.equal(ing.metadata.annotations['traefik.ingress.kubernetes.io/router.entrypoints'], 'websecure');
    assert.deepEqual(ing.spec.tls, [{ hosts: ['tunnel.example.org'], secretName: 'tunnel-tls' }]);
    assert.equal(ing.spec.rules[0].host, 'tunnel.example.org');
    assert.equal(ing.spec.rules[0].http.paths[0].path, '/adit/tunnel');
    assert.equal(flag(container(objects).args, 'control-path'), '/adit/tunnel');
  });

  it('renders data-plane Services as headless, ClusterIP and LoadBalancer with their own ports and annotations', async () => {
    const { objects } = await render('data-services', [v('server-data-services')]);
    const gw = find(objects, 'Service', 'adit-adit-server-gateway');
    assert.equal(gw.spec.clusterIP, 'None');
    assert.equal(gw.metadata.annotations['example.com/owner'], 'linkerd');
    const api = find(objects, 'Service', 'home-kube-api');
    assert.equal(api.spec.type, 'ClusterIP');
    assert.equal(api.spec.clusterIP, undefined);
    assert.equal(api.metadata.labels.tier, 'api');
    assert.deepEqual(api.spec.ports, [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }]);
    const lb = find(objects, 'Service', 'adit-adit-server-public');
    assert.equal(lb.spec.type, 'LoadBalancer');
    assert.equal(lb.spec.loadBalancerClass, 'service.k8s.aws/nlb');
    assert.deepEqual(lb.spec.loadBalancerSourceRanges, ['203.0.113.0/24']);
    assert.equal(lb.spec.externalTrafficPolicy, 'Local');
    assert.equal(lb.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme'], 'internal');
    for (const s of [gw, api, lb]) assert.deepEqual(s.spec.selector, SELECTOR);
    // httpPort 0 turns the router off: no flag value other than 0, no http container port.
    const c = container(objects);
    assert.equal(flag(c.args, 'port'), '0');
    assert.equal(c.ports.some((p: K8sObject) => p.name === 'http'), false);
  });

  it('admits control traffic only from the ingress namespace (and pods), admin from monitoring', async () => {
    const { objects } = await render('network-policy', [v('server-network-policy')]);
    const np = find(objects, 'NetworkPolicy');
    assert.deepEqual(np.spec.podSelector.matchLabels, SELECTOR);
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    assert.deepEqual(np.spec.ingress[0], {
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } }],
      ports: [{ port: 8123, protocol: 'TCP' }],
    });
    assert.deepEqual(np.spec.ingress[1].ports, [{ port: 9090, protocol: 'TCP' }]);
    assert.deepEqual(np.spec.ingress[1].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    assert.deepEqual(np.spec.ingress[2].ports.map((p: K8sObject) => p.port), [8000, 6143, 7000]);
    // No rule admits the control port from anywhere else.
    const controlRules = np.spec.ingress.filter((r: K8sObject) => r.ports.some((p: K8sObject) => p.port === 8123));
    assert.equal(controlRules.length, 1);
  });

  it('renders a ServiceMonitor on a metrics Service and a PodDisruptionBudget', async () => {
    const { objects } = await render('monitoring', [v('server-monitoring')]);
    const sm = find(objects, 'ServiceMonitor');
    const ms = find(objects, 'Service', 'adit-adit-server-metrics');
    assert.equal(sm.metadata.labels.release, 'kube-prometheus-stack');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'admin', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    // The ServiceMonitor selects the metrics Service, and only it.
    for (const [k, val] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(ms.metadata.labels[k], val);
    const control = find(objects, 'Service', 'adit-adit-server');
    assert.notEqual(control.metadata.labels['app.kubernetes.io/component'], sm.spec.selector.matchLabels['app.kubernetes.io/component']);
    assert.deepEqual(ms.spec.ports, [{ name: 'admin', port: 9090, targetPort: 'admin', protocol: 'TCP' }]);
    const pdb = find(objects, 'PodDisruptionBudget');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, SELECTOR);
  });

  it('passes scheduling, pod metadata, env, extra args and volumes through', async () => {
    const { objects } = await render('scheduling', [v('server-scheduling')]);
    const dep = find(objects, 'Deployment');
    const pod = dep.spec.template;
    assert.equal(dep.spec.replicas, 2);
    assert.equal(pod.metadata.annotations['example.com/team'], 'net');
    assert.equal(pod.metadata.annotations['config.linkerd.io/skip-inbound-ports'], '6143,6191');
    assert.equal(pod.metadata.labels['example.com/tier'], 'edge');
    assert.deepEqual(dep.spec.selector.matchLabels, SELECTOR, 'podLabels never leak into the selector');
    assert.deepEqual(pod.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.equal(pod.spec.tolerations[0].key, 'dedicated');
    assert.equal(pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight, 100);
    assert.equal(pod.spec.priorityClassName, 'system-cluster-critical');
    const c = container(objects);
    assert.equal(c.image, 'registry.example.com/adit@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef');
    assert.equal(c.args.at(-1), '--log-level=debug', 'extraArgs come last, so they override');
    assert.deepEqual(c.env.map((e: K8sObject) => e.name), ['POD_NAME', 'NODE_OPTIONS']);
    assert.ok(c.volumeMounts.some((m: K8sObject) => m.name === 'scratch' && m.mountPath === '/scratch'));
    assert.ok(pod.spec.volumes.some((x: K8sObject) => x.name === 'scratch' && x.emptyDir.sizeLimit === '16Mi'));
  });

  it('serves TLS itself, reads an access file, and waits out a long drain', async () => {
    const { objects } = await render('tls-drain', [v('server-tls-drain')]);
    const c = container(objects);
    assert.equal(flag(c.args, 'access-file'), '/etc/adit/access/access.yaml');
    assert.ok(c.volumeMounts.some((m: K8sObject) => m.name === 'access' && m.mountPath === '/etc/adit/access'));
    assert.ok(find(objects, 'Deployment').spec.template.spec.volumes.some((x: K8sObject) => x.name === 'access' && x.secret.secretName === 'adit-access'));
    assert.equal(flag(c.args, 'tls-cert'), '/etc/adit/tls/tls.crt');
    assert.equal(flag(c.args, 'tls-key'), '/etc/adit/tls/tls.key');
    assert.equal(flag(c.args, 'drain-timeout'), '120s');
    const pod = find(objects, 'Deployment').spec.template.spec;
    assert.equal(pod.terminationGracePeriodSeconds, 150);
    assert.ok(pod.volumes.some((x: K8sObject) => x.name === 'tls' && x.secret.secretName === 'adit-serving-cert'));
    const svc = find(objects, 'Service', 'adit-adit-server');
    assert.equal(svc.spec.type, 'LoadBalancer');
    assert.equal(svc.spec.ports[0].port, 443);
    assert.equal(svc.spec.ports[0].targetPort, 'control');
  });

  it('refuses inconsistent values with clear messages', async () => {
    assert.match(await helmTemplateError('adit-server', [], ['drainTimeoutSeconds=60', 'terminationGracePeriodSeconds=60']), /terminationGracePeriodSeconds \(60\) must be greater than drainTimeoutSeconds \(60\)/);
    assert.match(
      await helmTemplateError('adit-server', [], ['dataServices.gw.type=Headless', 'dataServices.gw.ports[0].name=a', 'dataServices.gw.ports[0].port=4143', 'dataServices.gw.ports[0].targetPort=6143']),
      /headless Services do not translate ports/,
    );
    assert.match(await helmTemplateError('adit-server', [], ['ingress.enabled=true']), /ingress\.host/);
    assert.match(await helmTemplateError('adit-server', [], ['dataServices.x.type=NodePort', 'dataServices.x.ports[0].name=a', 'dataServices.x.ports[0].port=1']), /dataServices\.x\.type/);
    assert.match(await helmTemplateError('adit-server', [], ['controlPorts=1']), /Additional property controlPorts is not allowed/);
    assert.match(await helmTemplateError('adit-server', [], ['allowPorts=all']), /allowPorts/);
  });
});
