// Kong-style validation of a plugin's `config` against the schema the plugin
// server reports (kong/db/schema/init.lua semantics, simplified): fields are
// `{ name: { type, required, default, one_of, between, len_min, len_max, gt,
// elements, keys, values, fields } }`. Missing fields get their default; a
// missing record is built from its fields' defaults; a field without default
// ends up null, and Kong's DAO drops nulls when it reads the entity back
// (`nulls = false`), so null fields are absent from what StartInstance gets.

type Field = Record<string, unknown> & { type?: string };
type FieldList = Array<Record<string, Field>>;

export class SchemaError extends Error {}

export function validateConfig(schemaFields: FieldList, input: unknown): Record<string, unknown> {
  const errors: string[] = [];
  const out = validateRecord(schemaFields, input ?? {}, 'config', errors);
  if (errors.length) throw new SchemaError(`schema violation (${errors.join('; ')})`);
  return out as Record<string, unknown>;
}

function validateRecord(fields: FieldList, value: unknown, path: string, errors: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected a record`);
    return value;
  }
  const input = value as Record<string, unknown>;
  const known = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const entry of fields) {
    // Each entry of a Kong field list is a one-key record {name: field}.
    const [name, field] = Object.entries(entry)[0] ?? [];
    if (name === undefined || field === undefined) continue;
    known.add(name);
    const v = validateField(field, input[name], `${path}.${name}`, errors);
    if (v !== undefined && v !== null) out[name] = v;
  }
  for (const key of Object.keys(input)) {
    if (!known.has(key)) errors.push(`${path}.${key}: unknown field`);
  }
  return out;
}

function validateField(field: Field, value: unknown, path: string, errors: string[]): unknown {
  if (value === undefined || value === null) {
    if (field.default !== undefined) return structuredClone(field.default);
    if (field.type === 'record' && Array.isArray(field.fields) && value === undefined) {
      return validateRecord(field.fields as FieldList, {}, path, errors);
    }
    if (field.required) errors.push(`${path}: required field missing`);
    return undefined;
  }
  if (field.referenceable === true && typeof value === 'string' && VAULT_REFERENCE.test(value)) {
    return resolveReference(value, path, errors);
  }
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return typeError(path, 'a string', errors, value);
      if (typeof field.len_min === 'number' && value.length < field.len_min) errors.push(`${path}: length must be at least ${field.len_min}`);
      if (typeof field.len_max === 'number' && value.length > field.len_max) errors.push(`${path}: length must be at most ${field.len_max}`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return typeError(path, 'an integer', errors, value);
      break;
    case 'number':
      if (typeof value !== 'number') return typeError(path, 'a number', errors, value);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return typeError(path, 'a boolean', errors, value);
      break;
    case 'array':
    case 'set': {
      if (!Array.isArray(value)) return typeError(path, 'an array', errors, value);
      const el = field.elements as Field | undefined;
      const items = el ? value.map((v, i) => validateField(el, v, `${path}[${i + 1}]`, errors)) : value;
      return field.type === 'set' ? [...new Set(items)] : items;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return typeError(path, 'a map', errors, value);
      const vals = field.values as Field | undefined;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = vals ? validateField(vals, v, `${path}.${k}`, errors) : v;
      return out;
    }
    case 'record':
      return validateRecord((field.fields ?? []) as FieldList, value, path, errors);
    default:
      break; // foreign/function/json: accepted as given
  }
  if (Array.isArray(field.one_of) && !field.one_of.includes(value)) {
    errors.push(`${path}: expected one of: ${field.one_of.join(', ')}`);
  }
  if (Array.isArray(field.between) && typeof value === 'number') {
    const [lo, hi] = field.between as [number, number];
    if (value < lo || value > hi) errors.push(`${path}: value should be between ${lo} and ${hi}`);
  }
  if (typeof field.gt === 'number' && typeof value === 'number' && !(value > field.gt)) {
    errors.push(`${path}: value must be greater than ${field.gt}`);
  }
  return value;
}

function typeError(path: string, what: string, errors: string[], value: unknown): unknown {
  errors.push(`${path}: expected ${what}`);
  return value;
}

// Secret references in referenceable fields (kong/pdk/vault.lua). Kong
// resolves them before the plugin sees its config; this driver supports the
// `env` vault: `{vault://env/my-token}` reads MY_TOKEN from Kong's environment.
const VAULT_REFERENCE = /^\{vault:\/\/([a-z0-9_-]+)\/([^}]+)\}$/i;

function resolveReference(reference: string, path: string, errors: string[]): unknown {
  // Both groups are required by the pattern, so a match has them.
  const [, vault, name] = VAULT_REFERENCE.exec(reference) as RegExpExecArray & [string, string, string];
  if (vault !== 'env') {
    errors.push(`${path}: vault '${vault}' is not supported by the driver (only env)`);
    return undefined;
  }
  const variable = name.toUpperCase().replace(/-/g, '_');
  const resolved = process.env[variable];
  if (resolved === undefined) errors.push(`${path}: unable to resolve reference ${reference} (environment variable ${variable} is not set)`);
  return resolved;
}
