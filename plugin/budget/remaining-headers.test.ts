// What a successful answer says about its budgets: the tightest window, its
// figure after this request (its charge when the answer is whole, its
// reservation when it streams), and nothing where a figure is not known.
// The slice case runs the real guard against a small HTTP stand-in for the
// control plane's ledger API.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BudgetPolicy, LedgerGrant, LedgerReserveItem } from '../contract';
import { estimateChatCost } from './estimate-cost';
import { BudgetGuard } from './guard';
import type { LedgerItem } from './match-policies';
import { remainingHeaders, type WindowStanding } from './remaining-headers';
import { destination, endpointOf } from '../../test/helpers/contract-fixtures';

const item = (over: Partial<LedgerItem>): LedgerItem => ({
  policyId: 'p',
  subject: '',
  name: 'monthly',
  kind: 'budget',
  unit: 'usd',
  action: 'reject',
  failOpen: false,
  amount: 1_000,
  sliceable: true,
  ...over,
});
const END = '2024-06-01T00:00:00.000Z';

describe('x-budget-* headers of a successful answer', () => {
  it('reports the window that fits the fewest more requests like this one, in the refusal’s format', () => {
    const standings: WindowStanding[] = [
      // $2.50 left, $0.001 per request: room for 2,500 more.
      { item: item({ amount: 1_000 }), remaining: 2_500_000, windowEnd: END },
      // 7 requests left this minute.
      {
        item: item({ policyId: 'rpm', name: 'chat requests per minute', kind: 'rate_limit', unit: 'requests', amount: 1 }),
        remaining: 7,
        windowEnd: '2024-05-15T13:48:00.000Z',
      },
    ];
    assert.deepEqual(remainingHeaders(standings), {
      'x-budget-remaining': '7',
      'x-budget-reset': '2024-05-15T13:48:00.000Z',
      'x-budget-policy': 'chat requests per minute',
    });
    assert.equal(remainingHeaders([standings[0]!])['x-budget-remaining'], '2.500000', 'USD with 6 decimals');
    const tokens = { item: item({ unit: 'tokens', amount: 500, name: 'tokens' }), remaining: 12_345, windowEnd: END };
    assert.equal(remainingHeaders([tokens])['x-budget-remaining'], '12345', 'tokens as an integer');
  });

  it('counts a whole answer at what it cost (its reservation given back), a stream at its reservation', () => {
    // Reserved $0.001 (1,000 micro-USD); the answer cost $0.0004: 600 micro-USD come back.
    const standing = { item: item({ amount: 1_000 }), remaining: 2_500_000, windowEnd: END };
    assert.equal(remainingHeaders([standing])['x-budget-remaining'], '2.500000');
    assert.equal(remainingHeaders([standing], { usd: 0.0004, tokens: 40 })['x-budget-remaining'], '2.500600');
    const tokens = { item: item({ unit: 'tokens', amount: 500 }), remaining: 1_000, windowEnd: END };
    assert.equal(remainingHeaders([tokens], { usd: 0, tokens: 40 })['x-budget-remaining'], '1460');
    const calls = { item: item({ unit: 'calls', amount: 1 }), remaining: 4, windowEnd: END };
    assert.equal(remainingHeaders([calls], { usd: 1, tokens: 40 })['x-budget-remaining'], '4', 'a call counts 1 whatever it cost');
  });

  it('says nothing when no window applies, or when any window’s figure is unknown', () => {
    assert.deepEqual(remainingHeaders([]), {});
    const known = { item: item({}), remaining: 5_000, windowEnd: END };
    const unknown = { item: item({ policyId: 'q', name: 'other' }), remaining: undefined, windowEnd: END };
    assert.deepEqual(remainingHeaders([known, unknown]), {}, 'the unknown one might be the tightest');
  });
});

// ---- the guard, admitting from a local slice -----------------------------

/** Every output token costs $1: a reservation's size is its max_tokens in dollars. */
const endpoint = endpointOf([destination({ price: { inputPerMTok: 0, outputPerMTok: 1_000_000 } })]);
const tokenBudget: BudgetPolicy = {
  id: 'tok',
  name: 'daily tokens',
  unit: 'tokens',
  limit: 100_000,
  window: { unit: 'days', size: 1 },
  action: 'reject',
  scope: { type: 'global' },
  failOpen: true,
  version: 1,
};
const SLICE = 5_000;
/** What the stand-in ledger says is left in the window right after granting the slice. */
const LEFT_AFTER_GRANT = 70_000;

let server: http.Server;
let url: string;
/** How the stand-in answers: a grant with `remaining`, one without (an older control plane), or 503. */
let mode: 'current' | 'older' | 'down' = 'current';
const reserveCalls: LedgerReserveItem[][] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url?.endsWith('/settle')) return void json({ expired: [] });
      if (req.url?.endsWith('/renew')) return void json({ renewed: 1, ttlMs: 10_000 });
      if (mode === 'down') return void res.writeHead(503).end('{}');
      const items = (JSON.parse(text) as { items: LedgerReserveItem[] }).items;
      reserveCalls.push(items);
      const grants: LedgerGrant[] = items.map((i, n) => ({
        policyId: i.policyId,
        subject: i.subject,
        leaseId: `lease-${reserveCalls.length}-${n}`,
        kind: i.slice ? 'slice' : 'reservation',
        granted: i.slice ? Math.max(SLICE, i.amount) : i.amount,
        windowStart: '2024-05-15T00:00:00.000Z',
        windowEnd: '2999-01-01T00:00:00.000Z',
        ttlMs: 10_000,
        ...(mode === 'current' ? { remaining: LEFT_AFTER_GRANT } : {}),
      }));
      json({ admitted: true, grants, unknown: [] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function admit(guard: BudgetGuard) {
  return guard.admit({
    endpoint,
    policies: [tokenBudget],
    user: 'u',
    estimate: () => estimateChatCost(endpoint, { model: 'chat', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe('x-budget-remaining from a local slice', () => {
  it('is the ledger’s figure at the grant minus what this node took from the slice since', async () => {
    mode = 'current';
    reserveCalls.length = 0;
    const guard = new BudgetGuard({ controlPlaneUrl: url, token: 't', timeoutMs: 1000, slices: true, tickMs: 60_000 });
    try {
      const first = await admit(guard);
      assert.ok(first.ok);
      const amount = first.admission.items[0]!.amount;
      assert.ok(amount > 100 && amount < SLICE, `reserves ${amount} tokens`);
      // The window had LEFT_AFTER_GRANT + SLICE before the slice; this request holds `amount` of the slice.
      const atGrant = LEFT_AFTER_GRANT + SLICE;
      assert.equal(guard.remainingHeaders(first.admission)['x-budget-remaining'], String(atGrant - amount));
      assert.equal(guard.remainingHeaders(first.admission)['x-budget-policy'], 'daily tokens');
      assert.equal(guard.remainingHeaders(first.admission)['x-budget-reset'], '2999-01-01T00:00:00.000Z');

      // Admitted locally (no ledger call), while the first is still in flight.
      const second = await admit(guard);
      assert.ok(second.ok);
      assert.equal(reserveCalls.length, 1, 'the second request was admitted from the slice');
      assert.equal(guard.remainingHeaders(second.admission)['x-budget-remaining'], String(atGrant - 2 * amount));

      // The first answer, whole: it used 30 tokens, so it counts 30 instead of its reservation (as of its own admission).
      const usage = { promptTokens: 8, completionTokens: 22, totalTokens: 30 };
      assert.equal(guard.remainingHeaders(first.admission, { usage, served: endpoint.destinations[0] })['x-budget-remaining'], String(atGrant - 30));
      guard.settle(first.admission, { usage, served: endpoint.destinations[0] });
      const third = await admit(guard);
      assert.ok(third.ok);
      assert.equal(guard.remainingHeaders(third.admission)['x-budget-remaining'], String(atGrant - 30 - 2 * amount), 'settled at 30, two in flight');
      guard.settle(second.admission, {});
      guard.settle(third.admission, {});
    } finally {
      await guard.stop(500);
    }
  });

  it('is left out when the control plane does not say (older control plane) or could not be asked (fail open)', async () => {
    for (const m of ['older', 'down'] as const) {
      mode = m;
      const guard = new BudgetGuard({ controlPlaneUrl: url, token: 't', timeoutMs: 1000, slices: true, tickMs: 60_000 });
      try {
        const admitted = await admit(guard);
        assert.ok(admitted.ok, `${m}: admitted`);
        assert.deepEqual(guard.remainingHeaders(admitted.admission), {}, m);
        const local = await admit(guard);
        assert.ok(local.ok);
        assert.deepEqual(guard.remainingHeaders(local.admission), {}, `${m}, from the slice`);
        guard.settle(admitted.admission, {});
        guard.settle(local.admission, {});
      } finally {
        await guard.stop(500);
      }
    }
  });
});
