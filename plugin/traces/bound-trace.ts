// Every trace the data plane ships fits the control plane's ingest schema
// (openapi.yaml, components.schemas.Trace and TraceAttempt): a field a client
// controls (`user`, `model`, a provider's error text) can be any size, and a
// trace the control plane refuses must never stop the ones behind it. Strings
// over their limit are cut and marked with what was dropped; numbers are kept
// finite and in range. Pure: no clock, no I/O.
import type { Trace, TraceAttempt } from '../contract';

/** The limits of openapi.yaml's Trace schema (a test checks this table against the file). */
export const TRACE_LIMITS = {
  trace: { endpoint: 64, user: 256, runId: 256, errorCode: 128, model: 256, traceparent: 128, request: 1_048_576, response: 1_048_576 },
  attempts: 20,
  attempt: { destinationId: 64, model: 256 },
  attemptError: { type: 128, message: 4096 },
  status: 999,
} as const;

/** `text` cut to at most `max` characters (code points never split), ending in a mark of what was dropped. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const mark = (dropped: number) => `…[+${dropped} chars]`;
  let keep = Math.max(0, max - mark(text.length).length);
  // Do not leave half a surrogate pair at the cut.
  if (keep > 0 && isHighSurrogate(text.charCodeAt(keep - 1))) keep--;
  return `${text.slice(0, keep)}${mark(text.length - keep)}`.slice(0, max);
}

export function boundTrace(trace: Trace): Trace {
  const out: Trace = { ...trace };
  const L = TRACE_LIMITS.trace;
  out.endpoint = truncateText(trace.endpoint, L.endpoint);
  out.user = truncateText(trace.user, L.user);
  if (trace.runId !== undefined) out.runId = truncateText(trace.runId, L.runId);
  if (trace.errorCode !== undefined) out.errorCode = truncateText(trace.errorCode, L.errorCode);
  if (trace.model !== undefined) out.model = truncateText(trace.model, L.model);
  if (trace.traceparent !== undefined) out.traceparent = truncateText(trace.traceparent, L.traceparent);
  if (trace.request !== undefined) out.request = truncateText(trace.request, L.request);
  if (trace.response !== undefined) out.response = truncateText(trace.response, L.response);
  out.status = statusCode(trace.status) ?? 0;
  out.latencyMs = nonNegative(trace.latencyMs);
  out.overheadMs = nonNegative(trace.overheadMs);
  if (trace.ttftMs !== undefined) out.ttftMs = nonNegative(trace.ttftMs);
  if (trace.costUsd !== undefined) out.costUsd = nonNegative(trace.costUsd);
  if (trace.usage) {
    const u = trace.usage;
    out.usage = { promptTokens: count(u.promptTokens), completionTokens: count(u.completionTokens), totalTokens: count(u.totalTokens) };
    if (u.cachedTokens !== undefined) out.usage.cachedTokens = count(u.cachedTokens);
    if (u.cacheWriteTokens !== undefined) out.usage.cacheWriteTokens = count(u.cacheWriteTokens);
    if (u.reasoningTokens !== undefined) out.usage.reasoningTokens = count(u.reasoningTokens);
  }
  if (trace.budget) {
    const b = trace.budget;
    out.budget = {
      reservedUsd: finite(b.reservedUsd),
      reservedTokens: finite(b.reservedTokens),
      chargedUsd: finite(b.chargedUsd),
      chargedTokens: finite(b.chargedTokens),
    };
  }
  out.attempts = boundAttempts(trace.attempts);
  return out;
}

/** At most 20 attempts: the first ones and the last (the one that decided the answer). */
function boundAttempts(attempts: TraceAttempt[]): TraceAttempt[] {
  const max = TRACE_LIMITS.attempts;
  const kept = attempts.length <= max ? attempts : [...attempts.slice(0, max - 1), attempts[attempts.length - 1]!];
  return kept.map((a) => {
    const out: TraceAttempt = {
      ...a,
      destinationId: truncateText(a.destinationId, TRACE_LIMITS.attempt.destinationId),
      model: truncateText(a.model, TRACE_LIMITS.attempt.model),
      status: a.status === null ? null : (statusCode(a.status) ?? null),
      latencyMs: nonNegative(a.latencyMs),
    };
    if (a.error) {
      out.error = {
        type: truncateText(a.error.type, TRACE_LIMITS.attemptError.type),
        message: truncateText(a.error.message, TRACE_LIMITS.attemptError.message),
      };
    }
    return out;
  });
}

function statusCode(n: number): number | undefined {
  return Number.isInteger(n) && n >= 0 && n <= TRACE_LIMITS.status ? n : undefined;
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
