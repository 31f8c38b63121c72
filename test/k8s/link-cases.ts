/**
 * The golden cases of `adit link patch`: the Linkerd fixtures as they are,
 * and our own variants (JSON, an HA render, v1alpha2, several Links).
 */
export interface PatchCase {
  name: string;
  /** "fixture:<file>" (test/fixtures/linkerd) or "input:<file>" (test/k8s/inputs). */
  source: string;
  args: string[];
  golden: string;
  /** Link names expected in the output. */
  links: string[];
  /** Expected stderr notes (substring), one per Link without a probe Service. */
  notes?: string[];
  /** False when the case runs with --no-services. */
  services?: boolean;
}

export const PATCH_CASES: PatchCase[] = [
  {
    name: 'linkerd 2.14 link output (v1alpha1, YAML)',
    source: 'fixture:link-output-2.14.yaml',
    args: [],
    golden: 'link-output-2.14.golden.yaml',
    links: ['home'],
  },
  {
    name: 'linkerd 2.18 link-gen output (v1alpha3, no probe Service)',
    source: 'fixture:link-gen-output-2.18.yaml',
    args: [],
    golden: 'link-gen-output-2.18.golden.yaml',
    links: ['home'],
    notes: ['controllers[].gateway.probe.port=6191'],
  },
  {
    name: 'linkerd 2.14 link -o json (a JSON stream, answered as JSON)',
    source: 'input:link-output-2.14.json',
    args: [],
    golden: 'link-output-2.14.golden.json',
    links: ['home'],
  },
  {
    name: 'a JSON v1 List of the 2.18 link-gen output, answered as YAML',
    source: 'input:link-gen-output-2.18.list.json',
    args: ['-o', 'yaml'],
    golden: 'link-gen-output-2.18.list.golden.yaml',
    links: ['home'],
    notes: ['controllers[].gateway.probe.port=6191'],
  },
  {
    name: 'YAML in, JSON out',
    source: 'fixture:link-output-2.14.yaml',
    args: ['--output', 'json'],
    golden: 'link-output-2.14.yaml-to.golden.json',
    links: ['home'],
  },
  {
    name: 'linkerd 2.19-edge link output (v1alpha3 with the link chart render, namespace test)',
    source: 'input:link-output-2.19-edge.yaml',
    args: [],
    golden: 'link-output-2.19-edge.golden.yaml',
    links: ['test-cluster'],
  },
  {
    name: 'linkerd 2.14 link --ha render (PodDisruptionBudget, anti-affinity)',
    source: 'input:link-output-2.14-ha.yaml',
    args: [],
    golden: 'link-output-2.14-ha.golden.yaml',
    links: ['home'],
  },
  {
    name: 'linkerd 2.17 style output (v1alpha2, -probe-service)',
    source: 'input:link-output-2.17.yaml',
    args: [],
    golden: 'link-output-2.17.golden.yaml',
    links: ['home'],
  },
  {
    name: 'every flag changed',
    source: 'fixture:link-output-2.14.yaml',
    args: [
      '--namespace', 'tunnels', '--release', 'edge', '--gateway-port', '7143', '--probe-port', '7191', '--api-port', '7443',
      '--tls-server-name', 'kubernetes', '--cluster-domain', 'cloud.internal',
    ],
    golden: 'link-output-2.14.flags.golden.yaml',
    links: ['home'],
  },
  {
    name: 'several Links in one stream, each with its own ports or release',
    source: 'input:multi-link.yaml',
    args: ['--for', 'lab:gateway-port=7143,probe-port=7191,api-port=7443', '--for', 'lab:tls-server-name=kubernetes.default'],
    golden: 'multi-link.golden.yaml',
    links: ['home', 'lab'],
    notes: ['Link lab: no probe Service', 'controllers[].gateway.probe.port=7191'],
  },
  {
    name: 'several Links, second one on its own release and namespace',
    source: 'input:multi-link.yaml',
    args: ['--for', 'lab:release=adit-lab,namespace=adit-lab'],
    golden: 'multi-link.release.golden.yaml',
    links: ['home', 'lab'],
    notes: ['Link lab: no probe Service'],
  },

  {
    name: 'Services made by the adit-server chart instead (--no-services, own names)',
    source: 'fixture:link-output-2.14.yaml',
    args: ['--no-services', '--release', 'adit-home', '--gateway-service', 'tunnel-gw', '--api-service', 'tunnel-api'],
    golden: 'link-output-2.14.no-services.golden.yaml',
    links: ['home'],
    services: false,
  },
];
