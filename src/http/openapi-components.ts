// The document-wide step: the shapes registered with an id (src/api/) become components.schemas;
// only those the document refers to are kept, so no unused component is published.
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The parts of a document this file reads. */
interface DocumentParts {
  paths?: unknown;
  components?: { schemas?: Record<string, unknown> };
}

/** Every `$ref` target in a document. */
function referenced(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const entry of node) referenced(entry, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value.replace('#/components/schemas/', ''));
      else referenced(value, found);
    }
  }
  return found;
}

/** Adds the registered shapes (src/api/) as components, keeping only those the document refers to. */
export function transformDocument(input: Parameters<typeof jsonSchemaTransformObject>[0]): ReturnType<typeof jsonSchemaTransformObject> {
  const document = jsonSchemaTransformObject(input);
  const parts = document as DocumentParts;
  const schemas = parts.components?.schemas ?? {};
  const used = new Set<string>();
  let frontier = referenced({ paths: parts.paths });
  // Components refer to components: follow until nothing new turns up.
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const name of frontier) {
      if (used.has(name)) continue;
      used.add(name);
      for (const inner of referenced(schemas[name])) next.add(inner);
    }
    frontier = next;
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...parts.components, schemas: kept } } as ReturnType<typeof jsonSchemaTransformObject>;
}
