// A request's agent run: the value of the header the endpoint names (e.g.
// x-agent-run-id), else the W3C trace id of its traceparent (unless the
// endpoint turned that off). A request with neither has no run: run-scoped
// budgets, per-run rate limits and the loop breaker do not apply to it.
import type { Endpoint } from '../contract';

/** Visible ASCII, at most 128 characters: a run id goes into ledger keys, traces and response headers. */
const RUN_ID = /^[\x21-\x7e]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

export type RunResolution = { ok: true; run?: string } | { ok: false; message: string; param: string };

export function resolveRun(endpoint: Pick<Endpoint, 'runs'>, header: (name: string) => string | undefined): RunResolution {
  const named = endpoint.runs?.header;
  if (named) {
    const value = header(named)?.trim();
    if (value) {
      if (!RUN_ID.test(value)) {
        return { ok: false, message: `The run id in header '${named}' must be 1 to 128 visible ASCII characters (no spaces).`, param: named };
      }
      return { ok: true, run: value };
    }
  }
  if (endpoint.runs?.traceparent === false) return { ok: true };
  // An invalid traceparent is ignored, as W3C Trace Context says; so is the all-zero trace id.
  const m = TRACEPARENT.exec(header('traceparent')?.trim().toLowerCase() ?? '');
  return m && m[1] !== '0'.repeat(32) ? { ok: true, run: m[1] } : { ok: true };
}
