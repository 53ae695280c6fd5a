// The budget ledger against the database (FerretDB in tests), with the
// control plane's clock injected: concurrency, all-or-nothing, slices,
// settlement, window rollover at the boundary, expiry of a dead data plane's
// leases, and alerts claimed exactly once.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connectDatabase, type Database } from '../../control-plane/loaders/database';
import { createLogger } from '../../control-plane/logger';
import { BudgetAlertsService } from '../../control-plane/services/budget-alerts.service';
import { BudgetLedgerService, type LedgerOptions } from '../../control-plane/services/budget-ledger.service';
import { testDbUri } from '../helpers/db';

const log = createLogger('silent');
let db: Database;
let clock = new Date('2024-05-15T12:00:30.000Z');
const now = () => clock;

function ledger(
  options: Partial<LedgerOptions> = {},
  alerts = new BudgetAlertsService(db.models, log, { firstBackoffMs: 50, outbound: { loopback: true, private: false } }, now),
) {
  return new BudgetLedgerService(db.models, alerts, log, { policyCacheMs: 0, ...options }, now);
}

async function policy(id: string, over: Record<string, unknown> = {}) {
  await db.models.budgetPolicies.create({
    _id: id,
    name: id,
    unit: 'tokens',
    limit: 1000,
    window: { unit: 'minutes', size: 1 },
    action: 'reject',
    scope: { type: 'global' },
    failOpen: false,
    version: 1,
    createdAt: clock,
    updatedAt: clock,
    ...over,
  });
}

async function window(policyId: string, at = clock, subject = '') {
  const start = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  return db.models.budgetWindows.findOne({ policyId, subject, windowStart: start }).lean();
}

before(async () => {
  db = await connectDatabase(testDbUri('ledger').uri);
});
after(async () => {
  await db?.close();
});
beforeEach(() => {
  clock = new Date('2024-05-15T12:00:30.000Z');
});

describe('budget ledger', () => {
  it('admits exactly up to the limit under 300 concurrent reservations (no slices)', async () => {
    await policy('conc');
    const l = ledger({ slices: false });
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => l.reserve(`dp-${i % 2}`, [{ policyId: 'conc', subject: '', amount: 20 }])));
    assert.equal(results.filter((r) => r.admitted).length, 50);
    const w = await window('conc');
    assert.equal(w?.committed, 1000);
    assert.equal(w?.reserved, 1000);
    const rejected = results.find((r) => !r.admitted);
    assert.ok(rejected && !rejected.admitted);
    assert.equal(rejected.rejected.available, 0);
    assert.equal(rejected.rejected.windowEnd, '2024-05-15T12:01:00.000Z');
    // Each grant says what the window can still admit after it (x-budget-remaining): every figure exactly once.
    const left = results.flatMap((r) => (r.admitted ? [r.grants[0]!.remaining!] : [])).sort((a, b) => a - b);
    assert.deepEqual(
      left,
      Array.from({ length: 50 }, (_, i) => i * 20),
    );
  });

  it('refuses a burst against a full window from memory, and admits again as soon as budget comes back', async () => {
    await policy('memo', { limit: 100 });
    const l = ledger({ slices: false });
    const first = await l.reserve('dp', [{ policyId: 'memo', subject: '', amount: 100 }]);
    assert.ok(first.admitted);
    const refused = await l.reserve('dp', [{ policyId: 'memo', subject: '', amount: 1 }]);
    assert.ok(!refused.admitted);
    // Count what the burst asks of the database: the window was just found full.
    const windows = db.models.budgetWindows;
    const original = windows.findOneAndUpdate.bind(windows);
    let updates = 0;
    windows.findOneAndUpdate = ((...args: Parameters<typeof original>) => {
      updates++;
      return original(...args);
    }) as typeof windows.findOneAndUpdate;
    try {
      const burst = await Promise.all(Array.from({ length: 50 }, () => l.reserve('dp', [{ policyId: 'memo', subject: '', amount: 1 }])));
      assert.ok(burst.every((r) => !r.admitted && r.rejected.available === 0 && r.rejected.windowEnd === '2024-05-15T12:01:00.000Z'));
      assert.equal(updates, 0, 'the burst was refused without an admission attempt each');
      // Settling gives 60 back: the next request is admitted at once, not after the memo lapses.
      const [grant] = first.grants;
      await l.settle(
        'dp',
        [{ leaseId: grant!.leaseId, policyId: 'memo', subject: '', windowStart: grant!.windowStart, used: 40, usedUsd: 0, usedTokens: 40, release: true }],
        [],
      );
      const after = await l.reserve('dp', [{ policyId: 'memo', subject: '', amount: 60 }]);
      assert.ok(after.admitted, JSON.stringify(after));
      assert.equal(after.grants[0]!.remaining, 0);
    } finally {
      windows.findOneAndUpdate = original;
    }
  });

  it('is all-or-nothing across items: a full window rolls back the others', async () => {
    await policy('roomy');
    await policy('tight', { limit: 10 });
    const l = ledger({ slices: false });
    const r = await l.reserve('dp', [
      { policyId: 'roomy', subject: '', amount: 100 },
      { policyId: 'tight', subject: '', amount: 11 },
    ]);
    assert.equal(r.admitted, false);
    assert.equal((await window('roomy'))?.committed, 0);
    assert.equal(await db.models.budgetLeases.countDocuments({ policyId: 'roomy' }), 0);
  });

  it('settles to the actual usage and gives a failed call everything back', async () => {
    await policy('settle');
    const l = ledger({ slices: false });
    const a = await l.reserve('dp', [{ policyId: 'settle', subject: '', amount: 300 }]);
    const b = await l.reserve('dp', [{ policyId: 'settle', subject: '', amount: 300 }]);
    assert.ok(a.admitted && b.admitted);
    const use = (g: (typeof a.grants)[number], used: number) => ({
      leaseId: g.leaseId,
      policyId: g.policyId,
      subject: g.subject,
      windowStart: g.windowStart,
      used,
      usedUsd: 0,
      usedTokens: used,
      release: true,
    });
    await l.settle('dp', [use(a.grants[0]!, 120), use(b.grants[0]!, 0)], []);
    const w = await window('settle');
    assert.deepEqual([w?.committed, w?.reserved, w?.spent, w?.spentTokens], [120, 0, 120, 120]);
    // Settling twice changes nothing (the lease is gone; the second is reported expired and charged... only if it was not ours).
    assert.equal(await db.models.budgetLeases.countDocuments({ policyId: 'settle' }), 0);
  });

  it('grants slices only while a quarter of the window stays free, then reserves directly', async () => {
    await policy('slices');
    const l = ledger();
    const kinds: string[] = [];
    let committed = 0;
    for (let i = 0; i < 30; i++) {
      const r = await l.reserve('dp', [{ policyId: 'slices', subject: '', amount: 20, slice: true }]);
      if (!r.admitted) break;
      kinds.push(r.grants[0]!.kind);
      committed += r.grants[0]!.granted;
      assert.equal(r.grants[0]!.remaining, 1000 - committed, 'a slice counts as admitted in the figure');
    }
    // Slices of 50 (5% of 1000) while committed + 50 <= 750: 15 slices; then reservations of 20 up to 1000: 12 more.
    assert.deepEqual([kinds.filter((k) => k === 'slice').length, kinds.filter((k) => k === 'reservation').length], [15, 12]);
    const w = await window('slices');
    assert.deepEqual([w?.committed, w?.leased, w?.reserved], [990, 750, 240]);
  });

  it('rolls over at the window boundary (injected clock); a late settle goes to the window it reserved in', async () => {
    await policy('roll', { limit: 100 });
    const l = ledger({ slices: false });
    clock = new Date('2024-05-15T12:00:59.999Z');
    const last = await l.reserve('dp', [{ policyId: 'roll', subject: '', amount: 100 }]);
    assert.ok(last.admitted);
    assert.equal((await l.reserve('dp', [{ policyId: 'roll', subject: '', amount: 1 }])).admitted, false, 'full until the boundary');
    clock = new Date('2024-05-15T12:01:00.000Z');
    const next = await l.reserve('dp', [{ policyId: 'roll', subject: '', amount: 100 }]);
    assert.ok(next.admitted, 'the boundary instant opens a new window');
    assert.equal(next.grants[0]!.windowStart, '2024-05-15T12:01:00.000Z');
    const g = last.grants[0];
    await l.settle(
      'dp',
      [{ leaseId: g!.leaseId, policyId: 'roll', subject: '', windowStart: g!.windowStart, used: 40, usedUsd: 0, usedTokens: 40, release: true }],
      [],
    );
    assert.equal((await window('roll', new Date('2024-05-15T12:00:00Z')))?.committed, 40);
    assert.equal((await window('roll'))?.committed, 100);
  });

  it("gives back a dead data plane's leases after the TTL; its late report is charged as spend", async () => {
    await policy('dead');
    const l = ledger({ leaseTtlMs: 10_000 });
    const r = await l.reserve('dp-dead', [{ policyId: 'dead', subject: '', amount: 20, slice: true }]);
    assert.ok(r.admitted && r.grants[0]!.kind === 'slice');
    const g = r.grants[0];
    await l.settle(
      'dp-dead',
      [{ leaseId: g!.leaseId, policyId: 'dead', subject: '', windowStart: g!.windowStart, used: 10, usedUsd: 0, usedTokens: 10, release: false }],
      [],
    );
    clock = new Date(clock.getTime() + 5_000);
    assert.equal((await l.renew('dp-dead')).renewed, 1);
    clock = new Date(clock.getTime() + 9_000);
    await l.sweepExpired();
    assert.equal(await db.models.budgetLeases.countDocuments({ _id: g!.leaseId }), 1, 'renewed: not expired yet');
    assert.equal((await window('dead'))?.committed, 50);
    clock = new Date(clock.getTime() + 1_001);
    assert.ok((await l.sweepExpired()) >= 1);
    assert.equal(await db.models.budgetLeases.countDocuments({ _id: g!.leaseId }), 0);
    let w = await window('dead');
    assert.deepEqual([w?.committed, w?.leased, w?.spent], [10, 0, 10], 'the unused 40 came back, the reported 10 stays spent');
    const late = await l.settle(
      'dp-dead',
      [{ leaseId: g!.leaseId, policyId: 'dead', subject: '', windowStart: g!.windowStart, used: 5, usedUsd: 0, usedTokens: 5, release: true }],
      [],
    );
    assert.deepEqual(late.expired, [g!.leaseId]);
    w = await window('dead');
    assert.deepEqual([w?.committed, w?.spent], [15, 15]);
  });

  it('spares the leases of a data plane that made any ledger call within the TTL (a heartbeat stuck behind its burst)', async () => {
    await policy('busy');
    const l = ledger({ leaseTtlMs: 10_000 });
    const r = await l.reserve('dp-busy', [{ policyId: 'busy', subject: '', amount: 20, slice: true }]);
    assert.ok(r.admitted);
    clock = new Date(clock.getTime() + 6_000);
    assert.equal((await l.reserve('dp-busy', [{ policyId: 'busy', subject: '', amount: 1 }])).admitted, true, 'a reserve call, no heartbeat');
    clock = new Date(clock.getTime() + 5_000);
    assert.equal(await l.sweepExpired(), 0, 'the slice outlived its TTL, but its data plane called 5 s ago');
    assert.equal(await db.models.budgetLeases.countDocuments({ _id: r.grants[0]!.leaseId }), 1);
    clock = new Date(clock.getTime() + 5_001);
    assert.equal(await l.sweepExpired(), 2, 'silent for a TTL: both leases go back');
    assert.equal((await window('busy'))?.committed, 0);
  });

  it('fires an alert exactly once per window, retrying until the webhook answers 2xx', async () => {
    let posts = 0;
    const bodies: unknown[] = [];
    const hook = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        posts++;
        bodies.push(JSON.parse(text));
        res.writeHead(posts === 1 ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    try {
      await policy('alert', { action: 'alert', limit: 100, webhookUrl: url });
      // Two data planes charging concurrently (one control-plane replica: FerretDB's updates need its per-window lock).
      const a = ledger();
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => a.settle(`dp-${i % 2}`, [], [{ policyId: 'alert', subject: '', amount: 10, usd: 0, tokens: 10 }])),
      );
      const w = await window('alert');
      assert.equal(w?.spent, 400, 'alert policies never block');
      const deadline = Date.now() + 5_000;
      for (;;) {
        const d = await db.models.alertDeliveries.findOne({ policyId: 'alert' }).lean();
        if (d?.delivered) break;
        if (Date.now() > deadline) throw new Error('alert not delivered');
        await new Promise((r) => setTimeout(r, 60));
        clock = new Date(clock.getTime() + 100);
        await a.tick();
      }
      assert.equal(await db.models.alertDeliveries.countDocuments({ policyId: 'alert' }), 1);
      const d = await db.models.alertDeliveries.findOne({ policyId: 'alert' }).lean();
      assert.equal(d?.attempts, 2);
      assert.ok(d?.deliveredAt);
      assert.equal(posts, 2, 'one failed attempt, one delivery');
      assert.deepEqual((bodies[1] as { window: unknown }).window, { start: '2024-05-15T12:00:00.000Z', end: '2024-05-15T12:01:00.000Z' });
      assert.equal((bodies[1] as { limit: number }).limit, 100);
      // More spend in the same window: no second alert. The next window alerts again.
      await a.settle('dp', [], [{ policyId: 'alert', subject: '', amount: 10, usd: 0, tokens: 10 }]);
      assert.equal(await db.models.alertDeliveries.countDocuments({ policyId: 'alert' }), 1);
      clock = new Date('2024-05-15T12:01:00.000Z');
      await a.settle('dp', [], [{ policyId: 'alert', subject: '', amount: 100, usd: 0, tokens: 100 }]);
      assert.equal(await db.models.alertDeliveries.countDocuments({ policyId: 'alert' }), 2);
      // A request admitted in the old window and settled in the new one is the old window's spend.
      await a.settle('dp', [], [{ policyId: 'alert', subject: '', amount: 7, usd: 0, tokens: 7, at: '2024-05-15T12:00:59.900Z' }]);
      assert.equal((await window('alert', new Date('2024-05-15T12:00:00Z')))?.spent, 417);
      assert.equal((await window('alert'))?.spent, 100);
    } finally {
      hook.close();
    }
  });
});
