// A provider's 2xx body checked against a JSON schema of the parts the
// translation reads, before anything reads them: a body of the wrong shape is
// the provider breaking its contract (malformedResponse: a 502 the pipeline
// reports as 'invalid-response'), never a TypeError halfway through a
// translation. Schemas are compiled once, when the provider's module loads.
// They state only what the translation relies on and let everything else
// through: providers add fields all the time.
import type { ErrorObject } from 'ajv';
import { compileSchema } from '../../validation/compile-schema';
import { malformedResponse } from './errors';

/** A check that returns `body` typed as T, or throws malformedResponse naming the first field at fault. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the type the schema proves; the caller names it
export function compileResponseSchema<T>(provider: string, schema: Record<string, unknown>): (body: unknown) => T {
  const check = compileSharedResponseSchema<T>(schema);
  return (body) => check(provider, body);
}

/** compileResponseSchema for a schema several providers share (the OpenAI-compatible base): the provider's name comes with each body. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
export function compileSharedResponseSchema<T>(schema: Record<string, unknown>): (provider: string, body: unknown) => T {
  const validate = compileSchema(schema);
  return (provider, body) => {
    if (validate(body)) return body as T;
    throw malformedResponse(provider, describe(validate.errors?.[0]));
  };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'unexpected shape';
  const at = error.instancePath === '' ? 'the body' : error.instancePath.slice(1).replaceAll('/', '.');
  return `${at} ${error.message ?? 'is invalid'}`;
}
