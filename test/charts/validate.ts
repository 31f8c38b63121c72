import { Ajv } from 'ajv';
import type { K8sObject } from './render.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/**
 * Minimal schema for the Prometheus Operator ServiceMonitor (not in
 * kubernetes-models): the fields the charts set, with their types.
 */
const serviceMonitorSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'monitoring.coreos.com/v1' },
    kind: { const: 'ServiceMonitor' },
    metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, labels: { type: 'object', additionalProperties: { type: 'string' } } } },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['selector', 'endpoints'],
      properties: {
        selector: { type: 'object', required: ['matchLabels'], properties: { matchLabels: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } } } },
        namespaceSelector: { type: 'object', properties: { matchNames: { type: 'array', items: { type: 'string' } }, any: { type: 'boolean' } } },
        endpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['port'],
            properties: {
              port: { type: 'string' },
              path: { type: 'string', pattern: '^/' },
              interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
              scrapeTimeout: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
            },
          },
        },
      },
    },
  },
};
const ajv = new Ajv({ allErrors: true });
const checkServiceMonitor = ajv.compile(serviceMonitorSchema);

/**
 * Validates one object against the Kubernetes JSON schemas of kubernetes-models
 * (module kubernetes-models/<apiVersion>, class <kind>). Throws with the object's
 * kind/name and the schema errors; unknown kinds fail rather than pass.
 */
export async function validateObject(obj: K8sObject): Promise<void> {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  if (obj.apiVersion === 'monitoring.coreos.com/v1' && obj.kind === 'ServiceMonitor') {
    if (!checkServiceMonitor(obj)) throw new Error(`${where}: ${ajv.errorsText(checkServiceMonitor.errors)}`);
    return;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${where}: no kubernetes-models schema for apiVersion ${obj.apiVersion}`, { cause: err });
  }
  const Cls = mod[obj.kind] as ModelClass | undefined;
  if (typeof Cls !== 'function') throw new Error(`${where}: no kubernetes-models schema for kind ${obj.kind} in ${obj.apiVersion}`);
  try {
    new Cls(obj).validate();
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

export async function validateAll(objects: K8sObject[]): Promise<void> {
  if (objects.length === 0) throw new Error('nothing rendered');
  for (const o of objects) await validateObject(o);
}
