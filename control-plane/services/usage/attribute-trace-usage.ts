// What one trace adds to usage: one request under its endpoint, user, API,
// status class, run and attributed provider/model, plus one failed provider
// call for every attempt that failed before the request's outcome (fallbacks
// and retries). Pure: the same function feeds the rollups and any recount.
import type { Trace, TraceAttempt } from '../../../plugin/contract';

/** The dimensions usage is kept by. provider/model null: no provider was called. */
export interface UsageDims {
  endpoint: string;
  provider: string | null;
  model: string | null;
  user: string;
  api: string;
  /** "2xx", "4xx", "5xx"... of the request's final status; of a failed attempt, its own (null: no HTTP answer, e.g. a timeout). */
  status: string | null;
  run: string | null;
}

export interface UsageCounters {
  requests: number;
  errors: number;
  /** Provider calls that failed and were followed by another attempt. */
  failedAttempts: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Integer nano-dollars: sums stay exact in any order (float USD sums drift). */
  costNanoUsd: number;
}

export interface UsageContribution {
  dims: UsageDims;
  counters: UsageCounters;
  latencyMs?: number;
  ttftMs?: number;
  overheadMs?: number;
}

export const ZERO_COUNTERS: Readonly<UsageCounters> = Object.freeze({
  requests: 0,
  errors: 0,
  failedAttempts: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costNanoUsd: 0,
});

export const COUNTER_NAMES = Object.keys(ZERO_COUNTERS) as Array<keyof UsageCounters>;

export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

const failed = (a: TraceAttempt) => a.status === null || a.status >= 400;

/**
 * The provider a request is attributed to: the one that served it; for a
 * request every attempt of which failed, the last one tried; none when the
 * gateway answered without calling a provider (budget or rate-limit refusals,
 * invalid requests). Returns the attempts counted separately as failed calls.
 */
function attribute(t: Trace): { provider: string | null; model: string | null; earlierFailures: TraceAttempt[] } {
  const last = t.attempts[t.attempts.length - 1];
  if (t.provider) {
    const lastIsOutcome = last !== undefined && last.provider === t.provider && last.model === (t.model ?? last.model);
    const earlier = lastIsOutcome ? t.attempts.slice(0, -1) : t.attempts;
    return { provider: t.provider, model: t.model ?? last?.model ?? null, earlierFailures: earlier.filter(failed) };
  }
  if (last) return { provider: last.provider, model: last.model, earlierFailures: t.attempts.slice(0, -1).filter(failed) };
  return { provider: null, model: null, earlierFailures: [] };
}

export function attributeTraceUsage(t: Trace): UsageContribution[] {
  // A shadow call is not a client request: it is reported apart (GET /usage/shadow, shadow metrics).
  if (t.shadowOf) return [];
  const { provider, model, earlierFailures } = attribute(t);
  const common = { endpoint: t.endpoint, user: t.user, api: t.ingress, status: statusClass(t.status), run: t.runId ?? null };
  const u = t.usage;
  const request: UsageContribution = {
    dims: { ...common, provider, model },
    counters: {
      ...ZERO_COUNTERS,
      requests: 1,
      errors: t.status >= 400 ? 1 : 0,
      promptTokens: u?.promptTokens ?? 0,
      completionTokens: u?.completionTokens ?? 0,
      totalTokens: u?.totalTokens ?? 0,
      cachedTokens: u?.cachedTokens ?? 0,
      cacheWriteTokens: u?.cacheWriteTokens ?? 0,
      reasoningTokens: u?.reasoningTokens ?? 0,
      costNanoUsd: Math.round((t.costUsd ?? 0) * 1e9),
    },
    latencyMs: t.latencyMs,
    overheadMs: t.overheadMs,
    ...(t.ttftMs !== undefined ? { ttftMs: t.ttftMs } : {}),
  };
  const failures = earlierFailures.map((a): UsageContribution => ({
    dims: { ...common, provider: a.provider, model: a.model, status: a.status === null ? null : statusClass(a.status) },
    counters: { ...ZERO_COUNTERS, failedAttempts: 1 },
  }));
  return [request, ...failures];
}
