// Offline schema checks for Kubernetes objects (kubeconform is out of reach here): the JSON schemas
// of kubernetes-models (Kubernetes 1.27 OpenAPI) for types and required fields, plus a strict pass
// that refuses unknown fields (a typo such as `readOnlyRootFileSystem` is silently ignored by the
// API server, which is exactly the mistake worth catching), driven by the package's type declarations.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };

/** The kubernetes-models module of a kind, e.g. `kubernetes-models/apps/v1/Deployment`. */
function modelPath(apiVersion: string, kind: string): string {
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) throw new Error(`not a Kubernetes type: ${apiVersion} ${kind}`);
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Validates against the JSON schema; returns the error messages (empty when valid). */
export async function schemaErrors(object: K8sObject): Promise<string[]> {
  const module = (await import(modelPath(object.apiVersion, object.kind))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (Model === undefined) return [`kubernetes-models has no ${object.kind} in ${object.apiVersion}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

interface Shape {
  /** property name -> type expression as declared */
  props: Map<string, string>;
  /** imported type name -> declaration file */
  imports: Map<string, string>;
}

const shapes = new Map<string, Shape | null>();

/** The first `export interface` of a .d.ts file; null when the file only declares aliases (Quantity, Time). */
function shapeOf(file: string): Shape | null {
  const cached = shapes.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const match of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const [, name, from] = match as unknown as [string, string, string];
    const resolved = from.startsWith('.') ? join(dirname(file), `${from}.d.ts`) : createRequire(file).resolve(from).replace(/\.js$/, '.d.ts');
    imports.set(name, resolved);
  }
  const start = text.search(/^export interface \w+/m);
  let shape: Shape | null = null;
  if (start >= 0) {
    const body = text.slice(start, text.indexOf('\n}', start));
    const props = new Map<string, string>();
    for (const match of body.matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
      const [, name, type] = match as unknown as [string, string, string];
      props.set(name, type.endsWith(';') ? type.slice(0, -1) : '{object}');
    }
    shape = { props, imports };
  }
  shapes.set(file, shape);
  return shape;
}

function declarationOf(apiVersion: string, kind: string): string {
  return require.resolve(modelPath(apiVersion, kind)).replace(/\.js$/, '.d.ts');
}

/**
 * Fields the schema does not know, as JSON-pointer-like paths (e.g. `/spec/template/spec/containers/0/foo`).
 * @example unknownFields({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { typo: 1 } }) // ['/spec/typo']
 */
export function unknownFields(object: K8sObject): string[] {
  const found: string[] = [];
  const visit = (value: unknown, file: string, path: string) => {
    const shape = shapeOf(file);
    if (shape === null || value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const type = shape.props.get(key);
      if (type === undefined) {
        found.push(`${path}/${key}`);
        continue;
      }
      const array = /^Array<(\w+)>$/.exec(type);
      const single = /^(\w+)(?: \| null)?$/.exec(type);
      const ref = array?.[1] ?? single?.[1];
      const target = ref === undefined ? undefined : shape.imports.get(ref);
      if (target === undefined) continue;
      if (array && Array.isArray(child)) child.forEach((item, index) => visit(item, target, `${path}/${key}/${index}`));
      else visit(child, target, `${path}/${key}`);
    }
  };
  visit(object, declarationOf(object.apiVersion, object.kind), '');
  return found;
}
