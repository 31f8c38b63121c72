/**
 * Shared helpers of the link tests: paths, goldens, the real CLI, and the
 * schema validators (Link CRD via ajv, everything else via kubernetes-models).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '../../src/k8s/link/index.js';
import { MAIN } from '../helpers/adit.js';
import { run, type RunResult } from '../helpers/run.js';

/** Compiled as dist/test/k8s/link-support.js: three levels below the repo root. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const fixturesDir = join(repoRoot, 'test/fixtures/linkerd');
export const inputsDir = join(repoRoot, 'test/k8s/inputs');
export const goldenDir = join(repoRoot, 'test/k8s/golden');
export const sharedFixturesDir = join(repoRoot, '../shared/fixtures/linkerd');
/** The adit binary; ADIT_CLI points elsewhere for a build that lives outside the tree. */
export const cliPath = process.env.ADIT_CLI ?? MAIN;

export function fixture(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}
export function input(name: string): string {
  return readFileSync(join(inputsDir, name), 'utf8');
}

/** Compares with test/k8s/golden/<name>; ADIT_UPDATE_GOLDEN=1 rewrites it instead. */
export function assertGolden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.ADIT_UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden ${name} is missing: run with ADIT_UPDATE_GOLDEN=1 and review the diff`);
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from golden ${name}`);
}

export type CliResult = RunResult;

/** Runs the real adit CLI with stdin, bounded in time. */
export async function runCli(args: readonly string[], stdin = '', timeoutMs = 15_000): Promise<CliResult> {
  const r = await run(process.execPath, [cliPath, ...args], { stdin, timeoutMs, cwd: repoRoot });
  if (r.timedOut) throw new Error(`adit ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${r.stderr}`);
  return r;
}

export function yamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => {
      assert.equal(d.errors.length, 0, `YAML error: ${d.errors[0]?.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

type JsonSchema = Record<string, unknown>;

/**
 * The API server prunes fields a structural schema does not name; a patched
 * Link must not rely on any, so the test schema forbids them outright.
 */
function forbidUnknownFields(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, JsonSchema>).map(([k, v]) => [k, forbidUnknownFields(v)]),
    );
    if (out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
      out.additionalProperties = false;
    }
  }
  if (out.items && typeof out.items === 'object') out.items = forbidUnknownFields(out.items as JsonSchema);
  return out;
}

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('date-time', RFC3339);
  return ajv;
}

/** Validators for every Link version a CRD fixture serves, e.g. "2.19-edge/v1alpha3". */
export function linkValidators(crdFile: string): Map<string, ValidateFunction> {
  const crd = yamlObjects(fixture(crdFile)).find((o) => o.kind === 'CustomResourceDefinition');
  assert.ok(crd, `${crdFile} holds no CRD`);
  const versions = (crd.spec as { versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] }).versions;
  const ajv = newAjv();
  const out = new Map<string, ValidateFunction>();
  for (const v of versions) {
    const root = forbidUnknownFields(v.schema.openAPIV3Schema);
    root.properties = {
      ...(root.properties as JsonSchema),
      apiVersion: { type: 'string', const: `multicluster.linkerd.io/${v.name}` },
      kind: { type: 'string', const: 'Link' },
      metadata: { type: 'object' },
    };
    root.required = ['apiVersion', 'kind', 'metadata', 'spec'];
    out.set(v.name, ajv.compile(root));
  }
  return out;
}

/** Validates a core Kubernetes object with kubernetes-models; throws with the reason. */
export async function validateK8s(obj: K8sObject): Promise<void> {
  const path = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  let mod: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    mod = (await import(path)) as typeof mod;
  } catch {
    assert.fail(`no kubernetes-models schema for ${obj.apiVersion} ${obj.kind}`);
  }
  const Model = mod[obj.kind];
  assert.ok(Model, `kubernetes-models/${obj.apiVersion} has no ${obj.kind}`);
  new Model(obj).validate();
}
