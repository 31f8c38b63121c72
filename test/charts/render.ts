import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubeTools, repoRoot } from '../helpers/kube-tools.js';

const run = promisify(execFile);

/** A rendered Kubernetes object, loosely typed: tests read paths they assert on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any } };

export interface Rendered {
  text: string;
  objects: K8sObject[];
}

export const chartDir = (name: string): string => join(repoRoot, 'charts', name);
export const valuesPath = (...parts: string[]): string => join(repoRoot, ...parts);

/** Splits multi-document YAML into objects, failing on any YAML error. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as K8sObject | null;
    if (obj !== null && obj !== undefined) out.push(obj);
  }
  return out;
}

/** `helm template` with the chart's values.schema.json enforced, as helm install does. */
export async function helmTemplate(chart: string, valuesFiles: string[], opts: { release?: string; namespace?: string; set?: string[] } = {}): Promise<Rendered> {
  const { helm } = kubeTools();
  const args = ['template', opts.release ?? 'adit', chartDir(chart), '--namespace', opts.namespace ?? 'adit'];
  for (const f of valuesFiles) args.push('--values', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  const { stdout } = await run(helm, args, { maxBuffer: 16 << 20, env: helmEnv() });
  return { text: stdout, objects: parseObjects(stdout) };
}

/** Runs helm template expecting failure; resolves to its stderr. */
export async function helmTemplateError(chart: string, valuesFiles: string[], set: string[] = []): Promise<string> {
  try {
    await helmTemplate(chart, valuesFiles, { set });
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`helm template ${chart} with ${valuesFiles.join(', ')} ${set.join(' ')} unexpectedly succeeded`);
}

export async function helmLint(chart: string, valuesFiles: string[] = []): Promise<string> {
  const { helm } = kubeTools();
  const args = ['lint', '--strict', chartDir(chart)];
  for (const f of valuesFiles) args.push('--values', f);
  const { stdout } = await run(helm, args, { env: helmEnv() });
  return stdout;
}

/** `kubectl kustomize --enable-helm` with the bundled helm. */
export async function kustomize(dir: string): Promise<Rendered> {
  const { helm, kubectl } = kubeTools();
  const { stdout } = await run(kubectl, ['kustomize', '--enable-helm', '--helm-command', helm, dir], {
    maxBuffer: 16 << 20,
    env: helmEnv(),
  });
  return { text: stdout, objects: parseObjects(stdout) };
}

/** Keeps helm's config and cache out of $HOME: tests must not depend on or touch user state. */
function helmEnv(): NodeJS.ProcessEnv {
  const base = join(kubeTools().helm, '..', '..', 'helm-home');
  return {
    PATH: process.env.PATH,
    HOME: base,
    HELM_CONFIG_HOME: join(base, 'config'),
    HELM_CACHE_HOME: join(base, 'cache'),
    HELM_DATA_HOME: join(base, 'data'),
  };
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const hit = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!hit) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return hit;
}

export function all(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}
