import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerRejection } from '../contract';
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

describe('refusals', () => {
  it('a run out of calls: run_call_limit_exceeded, what is left, no Retry-After, x-should-retry false', () => {
    const r = exceeded(item({ unit: 'calls', amount: 1, run: 'r1', subject: 'r1', sliceable: false }), rejected({ limit: 40, available: 0 }), NOW);
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
    const money = exceeded(item({ run: 'r1' }), rejected(), NOW);
    assert.equal(money.error.error.code, 'run_budget_exceeded');
    assert.equal(money.headers['x-budget-remaining'], '0.200000');
    assert.match(money.error.error.message, /0\.200000 USD left, and this request may cost up to 0\.400000 USD/);
    const over = exceeded(item({ run: 'r1', unit: 'calls' }), rejected({ reason: 'expired', available: 0 }), NOW);
    assert.equal(over.error.error.code, 'run_expired');
    assert.match(over.error.error.message, /Run 'r1' is over/);
  });

  it('a loop: loop_detected, x-should-retry false, the time the window frees up', () => {
    const r = exceeded(
      item({ kind: 'loop', policyId: 'loop:e:repeats', unit: 'calls', amount: 1, run: 'r9', name: 'e loop breaker (repeated requests)' }),
      rejected({ limit: 3, available: 0 }),
      NOW,
    );
    assert.equal(r.error.error.code, 'loop_detected');
    assert.match(r.error.error.message, /run 'r9' sent this same request \(same messages and tools\) 3 times/);
    assert.equal(r.headers['x-should-retry'], 'false');
    assert.equal(r.headers['retry-after'], undefined);
  });

  it('windows that come back keep Retry-After: budgets and (per-run) rate limits', () => {
    const budget = exceeded(item({}), rejected(), NOW);
    assert.deepEqual([budget.error.error.code, budget.headers['retry-after']], ['budget_exceeded', '600']);
    const limit = exceeded(item({ kind: 'rate_limit', unit: 'requests', amount: 1, run: 'r2' }), rejected({ available: 0 }), NOW);
    assert.deepEqual([limit.error.error.code, limit.headers['retry-after'], limit.headers['x-budget-run']], ['rate_limit_exceeded', '600', 'r2']);
    assert.equal(limit.headers['x-should-retry'], undefined);
  });
});
