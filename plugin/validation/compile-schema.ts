// Every JSON schema the data plane checks is compiled here. Ajv turns a
// schema into JavaScript when its module loads, and that is most of a
// data-plane worker's start (~250 of ~540 ms on a quiet machine): a request
// that comes before the spare worker is ready waits for it. So the build
// compiles the same schemas ahead of time (precompile.ts writes Ajv's
// standalone code next to this file) and a worker loads that code instead.
// A schema is looked up by a hash of itself and its options: one changed
// without a rebuild (or run from the TypeScript sources, as unit tests do)
// is simply compiled here, as before.
import type { default as Ajv, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';

export interface SchemaOptions {
  /** Ajv's `discriminator` keyword (OpenAI's and Anthropic's tagged unions). */
  discriminator?: boolean;
}

// By a path that holds both from this file and from the data plane's bundle
// (dist/plugin/server/worker.bundle.js, scripts/bundle-worker.ts), where
// `require` resolves from the bundle's folder.
export const PRECOMPILED_MODULE = '../validation/precompiled-validators.js';

/** The Ajv options for a schema: the same at build time and at run time. */
export function ajvOptions(options: SchemaOptions): { allErrors: false; strict: false; discriminator: boolean } {
  return { allErrors: false, strict: false, discriminator: options.discriminator ?? false };
}

/** The name a precompiled validator is exported under (an identifier). */
export function validatorName(schema: object, options: SchemaOptions): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([ajvOptions(options), schema]))
    .digest('hex');
  return `v_${digest.slice(0, 32)}`;
}

export interface CompiledSchema {
  name: string;
  schema: object;
  options: SchemaOptions;
  precompiled: boolean;
}

const compiled: CompiledSchema[] = [];
const runtimeAjv = new Map<boolean, Ajv>();
let precompiled: Record<string, ValidateFunction> | null | undefined;

function precompiledValidators(): Record<string, ValidateFunction> | null {
  if (precompiled !== undefined) return precompiled;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional build output, absent when run from the sources
    precompiled = require(PRECOMPILED_MODULE) as Record<string, ValidateFunction>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(PRECOMPILED_MODULE);
    if (!missing) throw err;
    precompiled = null;
  }
  return precompiled;
}

/** A validator for `schema`: the build's precompiled one when it matches, else compiled now. */
export function compileSchema<T = unknown>(schema: object, options: SchemaOptions = {}): ValidateFunction<T> {
  const name = validatorName(schema, options);
  const ready = precompiledValidators()?.[name];
  compiled.push({ name, schema, options, precompiled: ready !== undefined });
  if (ready) return ready as ValidateFunction<T>;
  const key = options.discriminator ?? false;
  let ajv = runtimeAjv.get(key);
  if (!ajv) {
    // Loaded only here: Ajv's compiler is ~40 ms of a worker's start, which precompiled schemas do not need.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: AjvClass } = require('ajv') as typeof import('ajv');
    runtimeAjv.set(key, (ajv = new AjvClass(ajvOptions(options))));
  }
  return ajv.compile<T>(schema);
}

/** Every schema compiled in this thread so far, in order (the build reads them; tests check none was missed). */
export function compiledSchemas(): readonly CompiledSchema[] {
  return compiled;
}
