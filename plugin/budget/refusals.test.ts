import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerRejection } from '../contract';
import type { CostEstimate } from './estimate-cost';
import type { LedgerItem } from './match-policies';
import { exceeded } from './refusals';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const item = (over: Partial<LedgerItem>): LedgerItem => ({
  policyId: 'p',
  subject: '',
  name: 'policy',
  kind: 'budget',
  unit: 'usd',
  action: 'reject',
  failOpen: false,
  amount: 400_000,
  sliceable: true,
  ...over,
});
const rejected = (over: Partial<LedgerRejection> = {}): LedgerRejection => ({
  policyId: 'p',
  subject: '',
  limit: 1_000_000,
  available: 200_000,
  windowEnd: '2026-01-01T00:10:00.000Z',
  ...over,
});

/** $0.40 at most: 4 output tokens at $0.10; nothing fits in $0.20 when the prompt alone costs $0.30. */
const estimate = (promptUsd = 0): CostEstimate => ({ promptTokens: 3, maxOutputTokens: 4, tokens: 7, usd: promptUsd + 0.4, promptUsd, outputUsdPerToken: 0.1 });

describe('refusals', () => {
  it('a run out of calls: run_call_limit_exceeded, what is left, no Retry-After, x-should-retry false', () => {
    const r = exceeded(item({ unit: 'calls', amount: 1, run: 'r1', subject: 'r1', sliceable: false }), rejected({ limit: 40, available: 0 }), estimate(), NOW);
    assert.equal(r.status, 429);
    assert.equal(r.error.error.code, 'run_call_limit_exceeded');
    assert.deepEqual(r.headers, {
      'x-budget-remaining': '0',
      'x-budget-reset': '2026-01-01T00:10:00.000Z',
      'x-budget-policy': 'policy',
      'x-budget-run': 'r1',
      'x-should-retry': 'false',
    });
  });

  it('a run out of money: run_budget_exceeded with USD left; an expired run: run_expired', () => {
    const money = exceeded(item({ run: 'r1' }), rejected(), estimate(0.3), NOW);
    assert.equal(money.error.error.code, 'run_budget_exceeded');
    assert.equal(money.headers['x-budget-remaining'], '0.200000');
    assert.match(money.error.error.message, /exhausted budget 'policy': 0\.200000 USD left, and this request may cost up to 0\.400000 USD/);
    const lower = exceeded(item({ run: 'r1' }), rejected(), estimate(), NOW);
    assert.equal(lower.error.error.code, 'run_budget_exceeded');
    assert.deepEqual([lower.error.error.param, lower.headers['x-budget-max-tokens']], ['max_tokens', '2'], 'a lower max_tokens fits in the run');
    assert.match(lower.error.error.message, /A max_tokens of at most 2 fits now\./);
    const over = exceeded(item({ run: 'r1', unit: 'calls' }), rejected({ reason: 'expired', available: 0 }), estimate(), NOW);
    assert.equal(over.error.error.code, 'run_expired');
    assert.match(over.error.error.message, /Run 'r1' is over/);
  });

  it('a loop: loop_detected, x-should-retry false, the time the window frees up', () => {
    const r = exceeded(
      item({ kind: 'loop', policyId: 'loop:e:repeats', unit: 'calls', amount: 1, run: 'r9', name: 'e loop breaker (repeated requests)' }),
      rejected({ limit: 3, available: 0 }),
      estimate(),
      NOW,
    );
    assert.equal(r.error.error.code, 'loop_detected');
    assert.match(r.error.error.message, /run 'r9' sent this same request \(same messages and tools\) 3 times/);
    assert.equal(r.headers['x-should-retry'], 'false');
    assert.equal(r.headers['retry-after'], undefined);
  });

  it('windows that come back keep Retry-After: budgets and (per-run) rate limits', () => {
    const budget = exceeded(item({}), rejected(), estimate(0.3), NOW);
    assert.deepEqual([budget.error.error.code, budget.headers['retry-after']], ['budget_exceeded', '600']);
    const limit = exceeded(item({ kind: 'rate_limit', unit: 'requests', amount: 1, run: 'r2' }), rejected({ available: 0 }), estimate(), NOW);
    assert.deepEqual([limit.error.error.code, limit.headers['retry-after'], limit.headers['x-budget-run']], ['rate_limit_exceeded', '600', 'r2']);
    assert.equal(limit.headers['x-should-retry'], undefined);
  });
});
