// What a client gets when the ledger refuses its request: a 429 with a code
// per cause and headers saying what is left and when that changes, or a 503
// when a fail-closed budget cannot be checked.
//
// When a lower output limit would fit now, a budget or rate-limit refusal
// says so (and how low: `x-budget-max-tokens`), without Retry-After: waiting
// is not what the client needs then.
//
// Run windows never come back (a run's budget is for its lifetime) and a
// loop should stop, not be retried: those refusals carry no Retry-After and
// say `x-should-retry: false` (the OpenAI SDKs' own retry switch), so the
// error reaches the agent at once instead of after the SDK's retries.
import { MICRO_USD, type LedgerRejection } from '../contract';
import type { ErrorBody } from '../openai/types';
import { outputTokensThatFit, type CostEstimate } from './estimate-cost';
import { displayAmount, type LedgerItem } from './match-policies';

export interface Refusal {
  status: 429 | 503;
  error: ErrorBody;
  headers: Record<string, string>;
}

export function exceeded(item: LedgerItem, rejected: LedgerRejection, estimate: CostEstimate, now = Date.now()): Refusal {
  const unit = item.unit === 'usd' ? 'USD' : item.unit;
  const left = displayAmount(item.unit, rejected.available);
  const needs = displayAmount(item.unit, item.amount);
  const headers: Record<string, string> = { 'x-budget-remaining': left, 'x-budget-reset': rejected.windowEnd, 'x-budget-policy': item.name };
  const retryAfter = String(Math.max(1, Math.ceil((Date.parse(rejected.windowEnd) - now) / 1000)));
  const fits =
    (item.unit === 'usd' || item.unit === 'tokens') && rejected.reason !== 'expired'
      ? Math.min(estimate.maxOutputTokens - 1, outputTokensThatFit(estimate, item.unit, rejected.available, MICRO_USD))
      : 0;
  const lower = fits >= 1 ? ` A max_tokens of at most ${fits} fits now.` : '';
  const refuse = (message: string, type: string, code: string): Refusal => ({
    status: 429,
    error: { error: { message, type, param: fits >= 1 ? 'max_tokens' : null, code } },
    headers: fits >= 1 ? { 'x-budget-max-tokens': String(fits), ...headers } : headers,
  });

  if (item.kind === 'loop') {
    Object.assign(headers, { 'x-budget-run': item.run!, 'x-should-retry': 'false' });
    const what = item.policyId.endsWith(':repeats')
      ? `sent this same request (same messages and tools) ${rejected.limit} times`
      : `made ${rejected.limit} calls in the loop breaker's window`;
    return refuse(
      `Loop detected: run '${item.run}' ${what}; '${item.name}' refuses more until ${rejected.windowEnd}. Stop the agent or start a new run.`,
      'rate_limit_error',
      'loop_detected',
    );
  }
  if (item.kind === 'budget' && item.run) {
    Object.assign(headers, { 'x-budget-run': item.run, 'x-should-retry': 'false' });
    if (rejected.reason === 'expired') {
      return refuse(
        `Run '${item.run}' is over: the window of budget '${item.name}' closed at ${rejected.windowEnd} (the run's lifetime). Start a new run (a new run id).`,
        'insufficient_quota',
        'run_expired',
      );
    }
    if (item.unit === 'calls') {
      return refuse(
        `Run '${item.run}' reached its call limit: budget '${item.name}' allows ${displayAmount('calls', rejected.limit)} model calls per run, ${left} left. The run's window closes at ${rejected.windowEnd}.`,
        'insufficient_quota',
        'run_call_limit_exceeded',
      );
    }
    return refuse(
      lower
        ? `Run '${item.run}' cannot take this request as sent under budget '${item.name}': ${left} ${unit} left, and the request may cost up to ${needs} ${unit} (its prompt plus its output limit of ${estimate.maxOutputTokens} tokens).${lower}`
        : `Run '${item.run}' exhausted budget '${item.name}': ${left} ${unit} left, and this request may cost up to ${needs} ${unit} (its prompt plus its output limit). The run's window closes at ${rejected.windowEnd}.`,
      'insufficient_quota',
      'run_budget_exceeded',
    );
  }
  if (!lower) headers['retry-after'] = retryAfter;
  if (item.run) headers['x-budget-run'] = item.run;
  if (item.kind === 'rate_limit') {
    return refuse(
      `Rate limit '${item.name}' reached${item.run ? ` for run '${item.run}'` : ''}: ${left} ${unit} left in this minute, this request needs ${needs}.${lower || ` Retry after ${rejected.windowEnd}.`}`,
      'rate_limit_error',
      'rate_limit_exceeded',
    );
  }
  return refuse(
    lower
      ? `Budget '${item.name}' cannot take this request as sent: ${left} ${unit} left in this window, and the request may cost up to ${needs} ${unit} (its prompt plus its output limit of ${estimate.maxOutputTokens} tokens).${lower}`
      : `Budget '${item.name}' is exhausted for this window: ${left} ${unit} left, and this request may cost up to ${needs} ${unit} (its prompt plus its output limit). The window resets at ${rejected.windowEnd}.`,
    'insufficient_quota',
    'budget_exceeded',
  );
}

export function unavailable(item: LedgerItem): Refusal {
  return {
    status: 503,
    error: {
      error: {
        message: `Budget '${item.name}' cannot be checked: the control plane (budget ledger) is unreachable, and the budget does not allow requests without it (failOpen is off). Retry shortly.`,
        type: 'service_unavailable',
        param: null,
        code: 'budget_unavailable',
      },
    },
    headers: { 'retry-after': '1' },
  };
}
