// The ledger's run windows and sliding logs against the database (FerretDB
// in tests), with the control plane's clock injected: exact admission under
// concurrency, a run's window opened by its first admission and closed by
// its lifetime, no slices for runs, the loop breaker's sliding logs (exact,
// undone when another item refuses, restarted when the limit changes, pruned
// when stale).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { loopPolicyId } from '../../plugin/contract';
import { connectDatabase, type Database } from '../../control-plane/loaders/database';
import { createLogger } from '../../control-plane/logger';
import { BudgetAlertsService } from '../../control-plane/services/budget-alerts.service';
import { UNALIGNED_START } from '../../control-plane/services/budget-ledger-policies';
import { BudgetLedgerService } from '../../control-plane/services/budget-ledger.service';
import { testDbUri } from '../helpers/db';

const log = createLogger('silent');
let db: Database;
let clock = new Date('2024-05-15T12:00:30.000Z');
const now = () => clock;
const ledger = () => new BudgetLedgerService(db.models, new BudgetAlertsService(db.models, log, {}, now), log, { policyCacheMs: 0 }, now);

async function runPolicy(id: string, over: Record<string, unknown> = {}) {
  await db.models.budgetPolicies.create({
    _id: id,
    name: id,
    unit: 'calls',
    limit: 50,
    window: { unit: 'hours', size: 1 },
    action: 'reject',
    scope: { type: 'run' },
    failOpen: false,
    version: 1,
    createdAt: clock,
    updatedAt: clock,
    ...over,
  });
}

async function loopEndpoint(id: string, loopBreaker: Record<string, number>) {
  await db.models.endpoints.create({
    _id: id,
    name: id,
    kind: 'chat',
    destinations: [],
    fallback: { chain: [], maxAttempts: 1, triggers: [] },
    loopBreaker: { repeatWindowSeconds: 86_400, callWindowSeconds: 60, ...loopBreaker },
    enabled: true,
    logPayloads: false,
    version: 1,
    createdAt: clock,
    updatedAt: clock,
  });
}

const runWindow = (policyId: string, run: string) => db.models.budgetWindows.findOne({ policyId, subject: run, windowStart: UNALIGNED_START }).lean();
const at = (iso: string) => (clock = new Date(iso));

before(async () => {
  db = await connectDatabase(testDbUri('runledger').uri);
});
after(async () => {
  await db?.close();
});
beforeEach(() => {
  clock = new Date('2024-05-15T12:00:30.000Z');
});

describe('run windows', () => {
  it('admit exactly the run limit under 200 concurrent calls of one run, and leave the next run untouched', async () => {
    await runPolicy('calls50');
    const l = ledger();
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) => l.reserve(`dp-${i % 2}`, [{ policyId: 'calls50', subject: 'run-a', amount: 1, slice: true }])),
    );
    assert.equal(burst.filter((r) => r.admitted).length, 50);
    for (const r of burst) if (r.admitted) assert.equal(r.grants[0]!.kind, 'count', 'run windows never grant slices; a call is final when admitted');
    const left = burst.flatMap((r) => (r.admitted ? [r.grants[0]!.remaining!] : [])).sort((a, b) => a - b);
    assert.deepEqual(
      left,
      Array.from({ length: 50 }, (_, i) => i),
      'each call says how many the run has left after it: 49 down to 0, each once',
    );
    const refused = burst.find((r) => !r.admitted);
    assert.ok(refused && !refused.admitted);
    assert.deepEqual([refused.rejected.available, refused.rejected.reason], [0, 'exhausted']);
    const w = await runWindow('calls50', 'run-a');
    assert.equal(w?.committed, 50);
    assert.equal(w?.shape, 'run');
    assert.equal(w?.openedAt?.toISOString(), '2024-05-15T12:00:30.000Z', 'opened by the first admission, not aligned');
    assert.equal(w?.windowEnd.toISOString(), '2024-05-15T13:00:30.000Z');

    const next = await l.reserve('dp-0', [{ policyId: 'calls50', subject: 'run-b', amount: 1 }]);
    assert.equal(next.admitted, true);
  });

  it('close after the run lifetime: a later request of that run is refused as expired; a new run opens its own window', async () => {
    await runPolicy('life', { unit: 'usd', limit: 5, window: { unit: 'minutes', size: 10 } });
    const l = ledger();
    assert.equal((await l.reserve('dp', [{ policyId: 'life', subject: 'r1', amount: 1_000_000 }])).admitted, true);
    at('2024-05-15T12:05:00.000Z');
    const mid = await l.reserve('dp', [{ policyId: 'life', subject: 'r1', amount: 1_000_000 }]);
    assert.equal(mid.admitted, true);
    if (mid.admitted) assert.equal(mid.grants[0]!.windowEnd, '2024-05-15T12:10:30.000Z', 'the run window ends a lifetime after its first request');
    at('2024-05-15T12:10:30.000Z');
    const late = await l.reserve('dp', [{ policyId: 'life', subject: 'r1', amount: 1 }]);
    assert.ok(!late.admitted);
    assert.deepEqual([late.rejected.reason, late.rejected.available, late.rejected.windowEnd], ['expired', 0, '2024-05-15T12:10:30.000Z']);
    assert.equal((await l.reserve('dp', [{ policyId: 'life', subject: 'r2', amount: 1 }])).admitted, true);
    const w2 = await runWindow('life', 'r2');
    assert.equal(w2?.windowEnd.toISOString(), '2024-05-15T12:20:30.000Z');
  });

  it('settle like any window: unused reservation given back, calls charged 1 each', async () => {
    await runPolicy('settle', { unit: 'usd', limit: 1 });
    const l = ledger();
    const r = await l.reserve('dp', [{ policyId: 'settle', subject: 'r', amount: 600_000 }]);
    assert.ok(r.admitted);
    const g = r.grants[0]!;
    await l.settle(
      'dp',
      [{ leaseId: g.leaseId, policyId: g.policyId, subject: g.subject, windowStart: g.windowStart, used: 100_000, usedUsd: 0.1, usedTokens: 7, release: true }],
      [],
    );
    const w = await runWindow('settle', 'r');
    assert.deepEqual([w?.committed, w?.reserved, w?.spent], [100_000, 0, 100_000]);
    assert.equal((await l.reserve('dp', [{ policyId: 'settle', subject: 'r', amount: 900_000 }])).admitted, true);
  });

  it('count a call as spent when admitted (no lease to settle), and take it back when another item refuses', async () => {
    await runPolicy('calls3', { limit: 3 });
    await runPolicy('usd-tiny', { unit: 'usd', limit: 0.000001 });
    const l = ledger();
    const r = await l.reserve('dp', [{ policyId: 'calls3', subject: 'r', amount: 1 }]);
    assert.ok(r.admitted);
    assert.equal(r.grants[0]!.kind, 'count');
    assert.equal(await db.models.budgetLeases.countDocuments({ policyId: 'calls3' }), 0, 'no lease document for a call');
    let w = await runWindow('calls3', 'r');
    assert.deepEqual([w?.committed, w?.reserved, w?.spent], [1, 0, 1]);

    for (let i = 0; i < 4; i++) {
      const refused = await l.reserve('dp', [
        { policyId: 'calls3', subject: 'r', amount: 1 },
        { policyId: 'usd-tiny', subject: 'r', amount: 2 },
      ]);
      assert.ok(!refused.admitted);
      assert.equal(refused.rejected.policyId, 'usd-tiny');
    }
    w = await runWindow('calls3', 'r');
    assert.deepEqual([w?.committed, w?.spent], [1, 1], 'refused requests left no call counted');
    const rest = await Promise.all(Array.from({ length: 5 }, () => l.reserve('dp', [{ policyId: 'calls3', subject: 'r', amount: 1 }])));
    assert.equal(rest.filter((x) => x.admitted).length, 2);
  });
});

describe('sliding logs (loop breaker)', () => {
  it('admit exactly maxCalls in any window under 300 concurrent calls, and more once the oldest leave it', async () => {
    await loopEndpoint('e-calls', { maxCalls: 5, callWindowSeconds: 10 });
    const id = loopPolicyId('e-calls', 'calls');
    const l = ledger();
    const burst = await Promise.all(Array.from({ length: 300 }, (_, i) => l.reserve(`dp-${i % 3}`, [{ policyId: id, subject: 'run', amount: 1 }])));
    assert.equal(burst.filter((r) => r.admitted).length, 5);
    const refused = burst.find((r) => !r.admitted);
    assert.ok(refused && !refused.admitted);
    assert.equal(refused.rejected.windowEnd, '2024-05-15T12:00:40.000Z', 'retry when the oldest counted call leaves the window');
    for (const r of burst) if (r.admitted) assert.equal(r.grants[0]!.kind, 'count');

    at('2024-05-15T12:00:39.999Z');
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'run', amount: 1 }])).admitted, false);
    at('2024-05-15T12:00:40.000Z');
    const again = await Promise.all(Array.from({ length: 20 }, () => l.reserve('dp', [{ policyId: id, subject: 'run', amount: 1 }])));
    assert.equal(again.filter((r) => r.admitted).length, 5, 'the whole window slid past: 5 more');
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'other-run', amount: 1 }])).admitted, true, 'every run has its own log');
  });

  it('slides: calls spread over time count only while they are inside the window', async () => {
    await loopEndpoint('e-slide', { maxCalls: 3, callWindowSeconds: 10 });
    const id = loopPolicyId('e-slide', 'calls');
    const l = ledger();
    const call = async (iso: string) => {
      at(iso);
      return (await l.reserve('dp', [{ policyId: id, subject: 'r', amount: 1 }])).admitted;
    };
    // Admitted at :00, :04, :08; refused at :09; :10 drops :00 (admitted); :12 refused (:04 :08 :10 inside); :14 drops :04.
    const got = [
      await call('2024-05-15T12:01:00Z'),
      await call('2024-05-15T12:01:04Z'),
      await call('2024-05-15T12:01:08Z'),
      await call('2024-05-15T12:01:09Z'),
      await call('2024-05-15T12:01:10Z'),
      await call('2024-05-15T12:01:12Z'),
      await call('2024-05-15T12:01:14Z'),
    ];
    assert.deepEqual(got, [true, true, true, false, true, false, true]);
  });

  it('is undone when another item of the request refuses (all or nothing), and follows a changed limit', async () => {
    await loopEndpoint('e-undo', { maxCalls: 2 });
    await runPolicy('tiny', { limit: 0 });
    const id = loopPolicyId('e-undo', 'calls');
    const l = ledger();
    for (let i = 0; i < 5; i++) {
      const r = await l.reserve('dp', [
        { policyId: id, subject: 'r', amount: 1 },
        { policyId: 'tiny', subject: 'r', amount: 1 },
      ]);
      assert.ok(!r.admitted);
      assert.equal(r.rejected.policyId, 'tiny');
    }
    const w = await db.models.budgetWindows.findOne({ policyId: id, subject: 'r' }).lean();
    assert.deepEqual(w?.log, [], 'every refused request took its entry back');
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'r', amount: 1 }])).admitted, true);
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'r', amount: 1 }])).admitted, true);
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'r', amount: 1 }])).admitted, false);

    await db.models.endpoints.updateOne({ _id: 'e-undo' }, { $set: { 'loopBreaker.maxCalls': 4 } });
    const after = await Promise.all(Array.from({ length: 10 }, () => l.reserve('dp', [{ policyId: id, subject: 'r', amount: 1 }])));
    assert.equal(after.filter((r) => r.admitted).length, 2, 'a raised limit counts the calls already in the window');
  });

  it('a refused repeat gives its call back: the call count is exact after a burst of repeats (no holes)', async () => {
    await loopEndpoint('e-both', { maxRepeats: 3, maxCalls: 20 });
    const repeats = loopPolicyId('e-both', 'repeats');
    const calls = loopPolicyId('e-both', 'calls');
    const l = ledger();
    const same = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        l.reserve(`dp-${i % 2}`, [
          { policyId: repeats, subject: 'r#same', amount: 1 },
          { policyId: calls, subject: 'r', amount: 1 },
        ]),
      ),
    );
    assert.equal(same.filter((r) => r.admitted).length, 3);
    const distinct = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        l.reserve(`dp-${i % 2}`, [
          { policyId: repeats, subject: `r#q${i}`, amount: 1 },
          { policyId: calls, subject: 'r', amount: 1 },
        ]),
      ),
    );
    assert.equal(distinct.filter((r) => r.admitted).length, 17, '20 calls in the window, 3 taken by the repeats');
  });

  it('prunes logs whose every entry left the window, and only those', async () => {
    await loopEndpoint('e-prune', { maxRepeats: 2, repeatWindowSeconds: 60 });
    const id = loopPolicyId('e-prune', 'repeats');
    const l = ledger();
    await l.reserve('dp', [{ policyId: id, subject: 'r#old', amount: 1 }]);
    at('2024-05-15T12:01:00.000Z');
    await l.reserve('dp', [{ policyId: id, subject: 'r#new', amount: 1 }]);
    at('2024-05-15T12:01:31.000Z');
    assert.ok((await l.pruneSlidingLogs()) >= 1);
    const left = await db.models.budgetWindows.find({ policyId: id }).lean();
    assert.deepEqual(
      left.map((w) => w.subject),
      ['r#new'],
    );
    assert.equal((await l.reserve('dp', [{ policyId: id, subject: 'r#old', amount: 1 }])).admitted, true, 'a pruned log starts afresh');
  });
});
