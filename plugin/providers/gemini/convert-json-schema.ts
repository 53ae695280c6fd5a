// OpenAI tool parameters and json_schema response formats are JSON Schema;
// Gemini's `parameters` / `responseSchema` take an OpenAPI 3.0 subset and
// reject unknown keywords (`additionalProperties`, `$schema`, `$ref`, ...)
// with a 400. This keeps what Gemini understands and rewrites the rest.
// Reference: https://ai.google.dev/api/caching#Schema
import type { GeminiSchema } from './types';

const KEPT_KEYS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

/** Gemini only accepts these `format` values; any other makes the request fail. */
const FORMATS_BY_TYPE: Record<string, Set<string>> = {
  string: new Set(['enum', 'date-time']),
  number: new Set(['float', 'double']),
  integer: new Set(['int32', 'int64']),
};

const MAX_REF_DEPTH = 16;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveLocalRef(ref: string, root: JsonObject): JsonObject | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return isObject(node) ? node : undefined;
}

function convertNode(node: unknown, root: JsonObject, depth: number): GeminiSchema {
  if (!isObject(node)) return {};
  if (typeof node.$ref === 'string') {
    // Local references are inlined; recursive schemas are cut at a fixed depth
    // because Gemini has no way to express them.
    const target = depth < MAX_REF_DEPTH ? resolveLocalRef(node.$ref, root) : undefined;
    const { $ref: _ignored, ...siblings } = node;
    return convertNode({ ...(target ?? { type: 'object' }), ...siblings }, root, depth + 1);
  }

  const out: GeminiSchema = {};
  let type = node.type;
  if (Array.isArray(type)) {
    // ["string", "null"] is how JSON Schema says nullable.
    const concrete = type.filter((t) => t !== 'null');
    if (concrete.length < type.length) out.nullable = true;
    if (concrete.length === 1) type = concrete[0];
    else if (concrete.length > 1) {
      out.anyOf = concrete.map((t: unknown) => ({ type: t }));
      type = undefined;
    } else type = undefined;
  }
  if (typeof type === 'string' && type !== 'null') out.type = type;
  if (type === 'null') out.nullable = true;

  for (const [key, value] of Object.entries(node)) {
    if (key === 'type' || !KEPT_KEYS.has(key)) continue;
    switch (key) {
      case 'properties':
        if (isObject(value)) {
          out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, convertNode(sub, root, depth + 1)]));
        }
        break;
      case 'items':
        out.items = convertNode(Array.isArray(value) ? value[0] : value, root, depth + 1);
        break;
      case 'anyOf': {
        if (!Array.isArray(value)) break;
        const nonNull = value.filter((v) => !(isObject(v) && v.type === 'null'));
        if (nonNull.length < value.length) out.nullable = true;
        if (nonNull.length === 1 && out.type === undefined) Object.assign(out, convertNode(nonNull[0], root, depth + 1));
        else out.anyOf = nonNull.map((v) => convertNode(v, root, depth + 1));
        break;
      }
      case 'format': {
        const allowed = typeof out.type === 'string' ? FORMATS_BY_TYPE[out.type] : undefined;
        if (typeof value === 'string' && allowed?.has(value)) out.format = value;
        break;
      }
      case 'enum':
        // Gemini enums are strings only.
        if (Array.isArray(value)) out.enum = value.filter((v) => v !== null).map((v) => String(v));
        out.type = 'string';
        break;
      default:
        out[key] = value;
    }
  }
  if (node.const !== undefined && out.enum === undefined) {
    // A const object or array is kept as its JSON text, not '[object Object]'.
    out.enum = [typeof node.const === 'string' ? node.const : JSON.stringify(node.const)];
    if (out.type === undefined) out.type = 'string';
  }
  if (out.type === 'object' && isObject(out.properties) && Object.keys(out.properties).length === 0) {
    delete out.properties;
  }
  return out;
}

/** Converts a JSON Schema into the schema Gemini accepts. */
export function convertJsonSchemaToGemini(schema: Record<string, unknown>): GeminiSchema {
  return convertNode(schema, schema, 0);
}

/**
 * Gemini rejects an OBJECT schema without properties as function parameters;
 * a function without arguments is declared with no `parameters` at all.
 */
export function convertToolParameters(schema: Record<string, unknown> | undefined): GeminiSchema | undefined {
  if (!schema) return undefined;
  const converted = convertJsonSchemaToGemini(schema);
  if (converted.type === 'object' && converted.properties === undefined) return undefined;
  return converted;
}
