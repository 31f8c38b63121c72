/**
 * `adit link upstreams` through the real CLI: the home side's adit-client
 * upstreams that match what `adit link patch` wrote for the cloud side.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { fixture, repoRoot, runCli, yamlObjects } from './link-support.js';

const GW = 'linkerd-gateway.linkerd-multicluster.svc.cluster.local';

function clientValuesValidator(): (v: unknown) => boolean {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'charts/adit-client/values.schema.json'), 'utf8')) as Record<string, unknown>;
  // Helm ignores $schema; ajv knows draft-07 only under its http:// URI.
  delete schema.$schema;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return (v) => {
    const ok = validate(v);
    assert.ok(ok, JSON.stringify(validate.errors));
    return ok;
  };
}

describe('adit link upstreams', { concurrency: 4 }, () => {
  it('prints adit-client chart values by default, valid for the chart schema', async () => {
    const r = await runCli(['link', 'upstreams']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'upstreams:\n' +
        `- match: tcp:6143\n  target: ${GW}:4143\n` +
        `- match: tcp:6191\n  target: ${GW}:4191\n` +
        '- match: tcp:6443\n  target: kubernetes.default.svc.cluster.local:443\n',
    );
    assert.ok(clientValuesValidator()(parse(r.stdout)));
  });

  it('prints adit client flags', async () => {
    const r = await runCli(['link', 'upstreams', '--format', 'flags']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `--upstream=tcp:6143=${GW}:4143 --upstream=tcp:6191=${GW}:4191 --upstream=tcp:6443=kubernetes.default.svc.cluster.local:443\n`,
    );
  });

  it('leaves the API out with --no-api and takes other targets', async () => {
    const r = await runCli(['link', 'upstreams', '--format', 'flags', '--no-api', '--gateway-target', 'gw.mc:4143', '--probe-target', '10.0.0.7:4191']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '--upstream=tcp:6143=gw.mc:4143 --upstream=tcp:6191=10.0.0.7:4191\n');
  });

  it('matches the ports adit link patch wrote into the Link and the kubeconfig', async () => {
    const ports = ['--gateway-port', '7143', '--probe-port', '7191', '--api-port', '7443'];
    const [patch, ups] = await Promise.all([
      runCli(['link', 'patch', ...ports], fixture('link-output-2.14.yaml')),
      runCli(['link', 'upstreams', ...ports]),
    ]);
    assert.equal(patch.code, 0, patch.stderr);
    const link = yamlObjects(patch.stdout).find((o) => o.kind === 'Link') as unknown as { spec: { gatewayPort: string; probeSpec: { port: string } } };
    const api = yamlObjects(patch.stdout).find((o) => o.metadata?.name === 'adit-home-api') as unknown as { spec: { ports: { port: number }[] } };
    const values = parse(ups.stdout) as { upstreams: { match: string; target: string }[] };
    assert.deepEqual(
      values.upstreams.map((u) => u.match),
      [`tcp:${link.spec.gatewayPort}`, `tcp:${link.spec.probeSpec.port}`, `tcp:${api.spec.ports[0].port}`],
    );
    assert.ok(clientValuesValidator()(values));
  });

  for (const [name, args, reason] of [
    ['a target without a port', ['--gateway-target', 'gw.local'], '--gateway-target must be host:port'],
    ['a target with a bad port', ['--api-target', 'k8s:99999'], '--api-target must be between 1 and 65535'],
    ['two roles on one port', ['--probe-port', '6143'], 'three different ports'],
    ['an unknown format', ['--format', 'toml'], '--format must be values or flags'],
  ] as const) {
    it(`exits 2 on ${name}`, async () => {
      const r = await runCli(['link', 'upstreams', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(reason), r.stderr);
    });
  }
});
