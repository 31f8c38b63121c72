/**
 * `adit link patch` and `adit link upstreams`. Every failure here is a
 * usage/config error: exit code 2, the reason on stderr, nothing on stdout
 * (so `adit link patch | kubectl apply -f -` never applies half a result).
 */
import { readFile } from 'node:fs/promises';
import type { Command, CommanderError } from 'commander';
import {
  DEFAULT_PATCH_OPTIONS,
  DEFAULT_UPSTREAM_OPTIONS,
  LinkError,
  LinkErrorCode,
  checkDnsLabel,
  checkDnsName,
  checkTarget,
  parseManifests,
  parseOverride,
  parsePort,
  patchLinkManifests,
  renderUpstreams,
  serializeManifests,
  type LinkTarget,
  type ManifestFormat,
  type UpstreamFormat,
} from '../k8s/link/index.js';

const USAGE_EXIT = 2;

function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new LinkError(LinkErrorCode.INPUT, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (process.stdin.isTTY) {
    throw new LinkError(LinkErrorCode.INPUT, 'reads the link output on stdin: linkerd --context=home multicluster link --cluster-name home | adit link patch');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs an action; LinkErrors become exit 2 with a one-line reason. */
async function run(name: string, action: () => Promise<string>): Promise<void> {
  try {
    const out = await action();
    process.stdout.write(out);
  } catch (err) {
    if (err instanceof LinkError) {
      process.stderr.write(`adit link ${name}: ${err.message} (${err.code})\n`);
      process.exitCode = USAGE_EXIT;
      return;
    }
    process.stderr.write(`adit link ${name}: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

interface PatchFlags {
  filename: string;
  namespace: string;
  release: string;
  gatewayPort: string;
  probePort: string;
  apiPort: string;
  tlsServerName: string;
  clusterDomain: string;
  gatewayService?: string;
  apiService?: string;
  services: boolean;
  for: string[];
  output?: string;
}

function outputFormat(value: string | undefined, input: ManifestFormat): ManifestFormat {
  if (value === undefined) return input;
  if (value === 'yaml' || value === 'json') return value;
  throw new LinkError(LinkErrorCode.FLAG, `--output must be yaml or json, got "${value}"`);
}

async function patchAction(flags: PatchFlags): Promise<string> {
  const overrides = new Map<string, Partial<LinkTarget>>();
  for (const spec of flags.for) parseOverride(spec, overrides);
  const opts = {
    namespace: checkDnsLabel(flags.namespace, '--namespace'),
    release: checkDnsLabel(flags.release, '--release'),
    gatewayPort: parsePort(flags.gatewayPort, '--gateway-port'),
    probePort: parsePort(flags.probePort, '--probe-port'),
    apiPort: parsePort(flags.apiPort, '--api-port'),
    tlsServerName: checkDnsName(flags.tlsServerName, '--tls-server-name'),
    clusterDomain: checkDnsName(flags.clusterDomain, '--cluster-domain'),
    gatewayService: flags.gatewayService === undefined ? undefined : checkDnsLabel(flags.gatewayService, '--gateway-service'),
    apiService: flags.apiService === undefined ? undefined : checkDnsLabel(flags.apiService, '--api-service'),
    services: flags.services,
    overrides,
  };
  // Validate --output before reading stdin, so a typo fails fast.
  if (flags.output !== undefined) outputFormat(flags.output, 'yaml');
  const parsed = parseManifests(await readInput(flags.filename));
  const result = patchLinkManifests(parsed.objects, opts);
  for (const note of result.notes) process.stderr.write(`adit link patch: note: ${note}\n`);
  return serializeManifests(result.objects, outputFormat(flags.output, parsed.format));
}

interface UpstreamFlags {
  gatewayPort: string;
  probePort: string;
  apiPort: string;
  gatewayTarget: string;
  probeTarget: string;
  apiTarget: string;
  api: boolean;
  format: string;
}

async function upstreamsAction(flags: UpstreamFlags): Promise<string> {
  if (flags.format !== 'values' && flags.format !== 'flags') {
    throw new LinkError(LinkErrorCode.FLAG, `--format must be values or flags, got "${flags.format}"`);
  }
  return renderUpstreams(
    {
      gatewayPort: parsePort(flags.gatewayPort, '--gateway-port'),
      probePort: parsePort(flags.probePort, '--probe-port'),
      apiPort: parsePort(flags.apiPort, '--api-port'),
      gatewayTarget: checkTarget(flags.gatewayTarget, '--gateway-target'),
      probeTarget: checkTarget(flags.probeTarget, '--probe-target'),
      apiTarget: flags.api ? checkTarget(flags.apiTarget, '--api-target') : '',
    },
    flags.format as UpstreamFormat,
  );
}

export function registerLinkCommand(program: Command): void {
  const d = DEFAULT_PATCH_OPTIONS;
  const u = DEFAULT_UPSTREAM_OPTIONS;
  const link = program
    .command('link')
    .description('Link a NAT\'ed cluster into Linkerd multicluster through adit (see docs/linkerd.md)')
    .exitOverride(usageExit);

  link
    .command('patch')
    .description(
      'Read `linkerd multicluster link` / `link-gen` output (YAML or JSON) and print it patched for the cloud cluster, ' +
        'plus the adit gateway and API Services: linkerd --context=home multicluster link --cluster-name home | ' +
        'adit link patch | kubectl --context=cloud apply -f -',
    )
    .option('-f, --filename <file>', 'read the link output from this file instead of stdin (- = stdin)', '-')
    .option('-n, --namespace <ns>', 'namespace of the adit-server release in the cloud cluster', d.namespace)
    .option('--release <name>', 'Helm release name of adit-server (pod selector app.kubernetes.io/instance)', d.release)
    .option('--gateway-port <port>', 'adit port that forwards to the home gateway (4143)', String(d.gatewayPort))
    .option('--probe-port <port>', 'adit port that forwards to the home gateway probe (4191)', String(d.probePort))
    .option('--api-port <port>', 'adit port that forwards to the home API server (443)', String(d.apiPort))
    .option('--tls-server-name <name>', 'a name in the home API server certificate', d.tlsServerName)
    .option('--cluster-domain <domain>', 'DNS domain of the cloud cluster', d.clusterDomain)
    .option('--gateway-service <name>', 'name of the headless gateway Service (default: adit-<link>-gateway)')
    .option('--api-service <name>', 'name of the API Service (default: adit-<link>-api)')
    .option('--no-services', 'do not print the two Services (the adit-server chart\'s dataServices create them)')
    .option(
      '--for <link:key=value,...>',
      'per-Link override (keys: namespace, release, gateway-port, probe-port, api-port, tls-server-name, gateway-service, api-service); repeatable',
      collect,
      [] as string[],
    )
    .option('-o, --output <format>', 'yaml or json (default: the input format)')
    .exitOverride(usageExit)
    .action((flags: PatchFlags) => run('patch', () => patchAction(flags)));

  link
    .command('upstreams')
    .description('Print the adit-client upstreams for the home cluster that match `adit link patch`')
    .option('--gateway-port <port>', 'adit port for the home gateway', String(u.gatewayPort))
    .option('--probe-port <port>', 'adit port for the home gateway probe', String(u.probePort))
    .option('--api-port <port>', 'adit port for the home API server', String(u.apiPort))
    .option('--gateway-target <host:port>', 'the home Linkerd gateway', u.gatewayTarget)
    .option('--probe-target <host:port>', 'the home Linkerd gateway probe', u.probeTarget)
    .option('--api-target <host:port>', 'the home API server', u.apiTarget)
    .option('--no-api', 'leave the API server out (when the cloud cluster does not link through adit)')
    .option('--format <format>', 'values (adit-client chart values YAML) or flags (adit client --upstream flags)', 'values')
    .exitOverride(usageExit)
    .action((flags: UpstreamFlags) => run('upstreams', () => upstreamsAction(flags)));
}
