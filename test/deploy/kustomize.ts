// A small offline stand-in for `kustomize build`, enough for deploy/kubernetes: resources (files and
// directories), `labels` (metadata only), `images`, and strategic-merge `patches` with the directives
// our overlay uses (`$patch: delete` on a resource or list item, `null` to drop a field, lists merged
// by their Kubernetes merge key). Anything else in a kustomization is refused, so this never builds
// something different from what kubectl -k would without saying so.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  patches?: { path: string }[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'labels', 'images']);

/** Kubernetes' merge keys for the lists we patch (from the API's x-kubernetes-patch-merge-key). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

export function readYamlDocuments(file: string): JsonObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as Json;
    })
    .filter((value): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value));
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Strategic merge of `patch` into `base` (both left untouched); `field` names the list being merged. */
export function strategicMerge(base: Json | undefined, patch: Json, field = ''): Json {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (key === undefined || !Array.isArray(base)) return patch.filter((item) => !(isObject(item) && item['$patch'] === 'delete'));
    const result: Json[] = [...base];
    for (const item of patch) {
      const at = isObject(item) ? result.findIndex((existing) => isObject(existing) && existing[key] === item[key]) : -1;
      if (isObject(item) && item['$patch'] === 'delete') {
        if (at >= 0) result.splice(at, 1);
      } else if (at >= 0) result[at] = strategicMerge(result[at], item, field);
      else result.push(item);
    }
    return result;
  }
  if (!isObject(patch) || !isObject(base)) return patch;
  const result: JsonObject = { ...base };
  for (const [name, value] of Object.entries(patch)) {
    if (name === '$patch') continue;
    if (value === null) delete result[name];
    else result[name] = strategicMerge(result[name], value, name);
  }
  return result;
}

function sameTarget(a: JsonObject, b: JsonObject): boolean {
  const group = (o: JsonObject) => String(o['apiVersion'] ?? '').replace(/\/?v[0-9a-z]+$/, '');
  const name = (o: JsonObject) => (isObject(o['metadata']) ? o['metadata']['name'] : undefined);
  return a['kind'] === b['kind'] && group(a) === group(b) && name(a) === name(b);
}

/** The objects `kubectl apply -k <dir>` would create. */
export function build(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = readYamlDocuments(file)[0] as Kustomization | undefined;
  if (kustomization === undefined) throw new Error(`${file}: empty`);
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: this test's kustomize stand-in does not support ${unsupported.join(', ')}`);
  let objects: JsonObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${file}: resource ${resource} does not exist`);
    objects.push(...(statSync(path).isDirectory() ? (build(path) as unknown as JsonObject[]) : readYamlDocuments(path)));
  }
  for (const { path } of kustomization.patches ?? []) {
    const patchFile = join(dir, path);
    if (!existsSync(patchFile)) throw new Error(`${file}: patch ${path} does not exist`);
    for (const patch of readYamlDocuments(patchFile)) {
      const at = objects.findIndex((object) => sameTarget(object, patch));
      if (at < 0) throw new Error(`${patchFile}: no ${String(patch['kind'])} named like it to patch`);
      if (patch['$patch'] === 'delete') objects = objects.filter((_, index) => index !== at);
      else objects[at] = strategicMerge(objects[at], patch) as JsonObject;
    }
  }
  for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error(`${file}: labels with includeSelectors/includeTemplates are not supported here`);
    objects = objects.map((object) => {
      const metadata = isObject(object['metadata']) ? object['metadata'] : {};
      const labels = isObject(metadata['labels']) ? metadata['labels'] : {};
      return { ...object, metadata: { ...metadata, labels: { ...labels, ...pairs } } };
    });
  }
  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      const containers = (object as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }).spec?.template?.spec?.containers ?? [];
      for (const container of containers) {
        if (container.image === undefined || container.image.replace(/[:@].*$/, '') !== image.name) continue;
        const tag = image.newTag ?? /:([^:/@]+)$/.exec(container.image)?.[1];
        container.image = `${image.newName ?? image.name}${tag === undefined ? '' : `:${tag}`}`;
      }
    }
  }
  return objects as unknown as K8sObject[];
}
