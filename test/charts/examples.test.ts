import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { all, find, kustomize, valuesPath, type K8sObject } from './render.js';
import { matchSnapshot } from './snapshot.js';
import { validateAll } from './validate.js';

const example = (side: string): string => valuesPath('examples/two-clusters', side);

describe('examples/two-clusters (kubectl kustomize --enable-helm)', { timeout: 120_000 }, () => {
  it('cloud side: server, ingress and the data-plane Services of the Linkerd scenario', async () => {
    const { text, objects } = await kustomize(example('cloud'));
    await validateAll(objects);
    matchSnapshot('examples/cloud', text);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
      [
        'Deployment/adit-home',
        'Ingress/adit-home',
        'Namespace/adit',
        'NetworkPolicy/adit-home',
        'Service/adit-home',
        'Service/adit-home-api',
        'Service/adit-home-gateway',
        'Service/adit-home-web',
        'ServiceAccount/adit-home',
      ],
    );
    for (const o of objects) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'adit', `${o.kind}/${o.metadata.name}`);
    const gw = find(objects, 'Service', 'adit-home-gateway');
    assert.equal(gw.spec.clusterIP, 'None');
    assert.deepEqual(gw.spec.ports.map((p: K8sObject) => p.port), [6143, 6191]);
    const podLabels = find(objects, 'Deployment').spec.template.metadata.labels;
    for (const svc of all(objects, 'Service')) {
      for (const [k, val] of Object.entries(svc.spec.selector as Record<string, string>)) assert.equal(podLabels[k], val, `${svc.metadata.name} selects the server pods`);
    }
    const ing = find(objects, 'Ingress');
    assert.equal(ing.spec.rules[0].host, 'tunnel.example.com');
  });

  it('home side: client dialing the cloud ingress with the Linkerd and API upstreams', async () => {
    const { text, objects } = await kustomize(example('home'));
    await validateAll(objects);
    matchSnapshot('examples/home', text);
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['Deployment/adit-home', 'Namespace/adit', 'ServiceAccount/adit-home']);
    const c = find(objects, 'Deployment').spec.template.spec.containers[0];
    const upstreams = c.args.filter((a: string) => a.startsWith('--upstream=')).map((a: string) => a.slice('--upstream='.length));
    assert.ok(upstreams.includes('tcp:6143=linkerd-gateway.linkerd-multicluster.svc.cluster.local:4143'));
    assert.ok(upstreams.includes('tcp:6191=linkerd-gateway.linkerd-multicluster.svc.cluster.local:4191'));
    assert.ok(upstreams.includes('tcp:6443=kubernetes.default.svc.cluster.local:443'));
    assert.ok(c.args.includes('--url=wss://tunnel.example.com/tunnel'));
  });

  it('both sides agree: every TCP port the home client claims is allowed and exposed by the cloud side', async () => {
    const cloud = (await kustomize(example('cloud'))).objects;
    const home = (await kustomize(example('home'))).objects;
    const serverArgs: string[] = find(cloud, 'Deployment').spec.template.spec.containers[0].args;
    const allowed = serverArgs.find((a) => a.startsWith('--allow-ports='))!.slice('--allow-ports='.length).split(',').map(Number);
    const clientArgs: string[] = find(home, 'Deployment').spec.template.spec.containers[0].args;
    const claimed = clientArgs.filter((a) => a.startsWith('--upstream=tcp:')).map((a) => Number(/^--upstream=tcp:(\d+)=/.exec(a)![1]));
    const exposed = all(cloud, 'Service').flatMap((s) => s.spec.ports.map((p: K8sObject) => p.targetPort));
    assert.deepEqual(claimed.sort(), allowed.sort());
    for (const port of claimed) assert.ok(exposed.includes(port), `port ${port} has a data-plane Service`);
    const path = find(cloud, 'Ingress').spec.rules[0].http.paths[0].path;
    assert.ok(clientArgs.includes(`--url=wss://tunnel.example.com${path}`));
  });
});
