import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BudgetPolicy, Endpoint } from '../contract';
import { matchLedgerItems } from './match-policies';

const endpoint = (over: Partial<Endpoint> = {}): Endpoint => ({
  id: 'e1',
  name: 'agents',
  kind: 'chat',
  version: 1,
  destinations: [],
  fallback: { chain: [], maxAttempts: 1, triggers: [] },
  logPayloads: false,
  ...over,
});
const policy = (id: string, scope: BudgetPolicy['scope'], unit: BudgetPolicy['unit'] = 'calls'): BudgetPolicy => ({
  id,
  name: id,
  unit,
  limit: 40,
  window: { unit: 'hours', size: 24 },
  action: 'reject',
  scope,
  failOpen: false,
  version: 1,
});
const cost = { promptTokens: 10, maxOutputTokens: 5, tokens: 15, usd: 0.002 };
const rows = (items: ReturnType<typeof matchLedgerItems>) => items.map((i) => [i.policyId, i.subject, i.kind, i.amount, i.sliceable]);

describe('matchLedgerItems: runs and the loop breaker', () => {
  const policies = [
    policy('any-run', { type: 'run' }),
    policy('this-run', { type: 'run', endpoint: 'agents' }, 'usd'),
    policy('other', { type: 'run', endpoint: 'x' }),
  ];

  it('binds a run to its run windows (never sliced) and puts the loop breaker first', () => {
    const e = endpoint({
      loopBreaker: { maxRepeats: 3, repeatWindowSeconds: 60, maxCalls: 10, callWindowSeconds: 60 },
      rateLimits: { requestsPerMinute: 5, per: 'run' },
    });
    const items = matchLedgerItems(policies, e, { user: 'u', run: 'r1', fingerprint: () => 'HASH' }, cost);
    assert.deepEqual(rows(items), [
      ['loop:e1:repeats', 'r1#HASH', 'loop', 1, false],
      ['loop:e1:calls', 'r1', 'loop', 1, false],
      ['any-run', 'r1', 'budget', 1, false],
      ['this-run', 'r1', 'budget', 2000, false],
      ['ratelimit:e1:rpm', 'r1', 'rate_limit', 1, true],
    ]);
    assert.ok(items.every((i) => i.run === 'r1'));
  });

  it('leaves a request without a run out of every run-scoped window, and never hashes it', () => {
    const e = endpoint({ loopBreaker: { maxRepeats: 3, repeatWindowSeconds: 60, callWindowSeconds: 60 }, rateLimits: { requestsPerMinute: 5, per: 'run' } });
    const items = matchLedgerItems(policies, e, { user: 'u', fingerprint: () => assert.fail('hashed a request without a run') }, cost);
    assert.deepEqual(items, []);
  });
});
