/**
 * Reading and writing a stream of Kubernetes objects: YAML multi-document, a
 * JSON stream, or a JSON v1 List. YAML is read and written as YAML 1.1,
 * because kubectl (sigs.k8s.io/yaml) reads 1.1: a string such as "on" must
 * come out quoted or kubectl would turn it into a boolean.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { LinkError, LinkErrorCode } from './errors.js';
import { splitJsonStream } from './json-stream.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export type ManifestFormat = 'yaml' | 'json';

export interface ParsedManifests {
  objects: K8sObject[];
  format: ManifestFormat;
}

const YAML_VERSION = '1.1' as const;

export function parseManifests(text: string): ParsedManifests {
  const trimmed = text.trimStart();
  const format: ManifestFormat = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'yaml';
  const docs = format === 'json' ? parseJsonDocs(trimmed) : parseYamlDocs(text);
  const objects: K8sObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return; // empty document between separators
    for (const obj of flattenList(doc, i)) objects.push(obj);
  });
  return { objects, format };
}

function parseJsonDocs(text: string): unknown[] {
  return splitJsonStream(text).map((part, i) => {
    try {
      return JSON.parse(part) as unknown;
    } catch (err) {
      throw new LinkError(LinkErrorCode.INPUT, `input is not valid JSON (document ${i + 1}): ${(err as Error).message}`);
    }
  });
}

function parseYamlDocs(text: string): unknown[] {
  const docs = parseAllDocuments(text, { version: YAML_VERSION });
  // An empty stream (only comments or separators) carries its errors itself.
  if ('empty' in docs && docs.errors.length > 0) {
    throw new LinkError(LinkErrorCode.INPUT, `input is not valid YAML: ${docs.errors[0].message}`);
  }
  const list = [...docs];
  return list.map((doc, i) => {
    if (doc.errors.length > 0) {
      throw new LinkError(LinkErrorCode.INPUT, `input is not valid YAML (document ${i + 1}): ${doc.errors[0].message}`);
    }
    return doc.toJS() as unknown;
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A v1 List (what `kubectl get -o json` and friends print) stands for its items. */
function flattenList(doc: unknown, index: number): K8sObject[] {
  if (Array.isArray(doc)) return doc.flatMap((d) => flattenList(d, index));
  if (!isPlainObject(doc)) {
    throw new LinkError(LinkErrorCode.INPUT, `document ${index + 1} is not a Kubernetes object (got ${typeof doc})`);
  }
  if (doc.kind === 'List' && doc.apiVersion === 'v1') {
    if (!Array.isArray(doc.items)) {
      throw new LinkError(LinkErrorCode.INPUT, `document ${index + 1} is a List without items`);
    }
    return doc.items.flatMap((d) => flattenList(d, index));
  }
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '' || typeof doc.kind !== 'string' || doc.kind === '') {
    throw new LinkError(LinkErrorCode.INPUT, `document ${index + 1} has no apiVersion or kind: not a Kubernetes object`);
  }
  if (doc.metadata !== undefined && !isPlainObject(doc.metadata)) {
    throw new LinkError(LinkErrorCode.INPUT, `document ${index + 1} has a metadata that is not a map`);
  }
  return [doc as K8sObject];
}

/** YAML: one document per object. JSON: one v1 List, which `kubectl apply -f -` takes as it is. */
export function serializeManifests(objects: readonly K8sObject[], format: ManifestFormat): string {
  if (format === 'json') {
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  }
  return objects.map((o) => `---\n${stringify(o, { version: YAML_VERSION, lineWidth: 0, indentSeq: false })}`).join('');
}
