// The Trace schema of openapi.yaml as a validator of its own. Trace ingest
// checks each trace of a batch separately, so that one trace the control
// plane can never store is reported back by position instead of refusing the
// whole batch (and blocking every trace queued behind it on the data plane).
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadSpec } from './openapi';

export interface TraceProblem {
  field: string;
  message: string;
}

export type TraceCheck = (value: unknown) => TraceProblem[];

export function compileTraceCheck(spec: { doc: Record<string, unknown> } = loadSpec()): TraceCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv, { mode: 'full' });
  ajv.addSchema({ ...structuredClone(spec.doc), $id: 'openapi' });
  const validate = ajv.compile({ $ref: 'openapi#/components/schemas/Trace' });
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(problemOf));
}

/** Field names like the API's other errors: `attempts[0].error.message`. */
function problemOf(e: ErrorObject): TraceProblem {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
  return { field: path || '(trace)', message: `${e.message ?? 'is invalid'}${extra}` };
}
