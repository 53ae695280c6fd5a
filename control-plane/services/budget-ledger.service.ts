// The budget ledger: admission, settlement and leases for budgets and rate
// limits, shared by every data plane.
//
// THE INVARIANT. For every ledger window (policy, subject, windowStart):
//     committed <= limit    after every admission,
// where committed = outstanding reservations + outstanding lease grants +
// settled spend. Proof sketch:
//   1. `committed` only changes through single-document $inc updates on the
//      window document (MongoDB applies each atomically, whatever the number
//      of control-plane replicas or data planes; on FerretDB, which does not,
//      every write to a window also runs under a per-window lock in this
//      process, so there one control-plane replica is exact).
//   2. Every update that INCREASES committed to admit something is
//      conditional: findOneAndUpdate({key, committed: {$lte: limit - amount}},
//      {$inc: {committed: amount}}). It applies only if the result is <= limit.
//   3. Every other update either decreases committed (give back) or replaces
//      a reservation by the actual spend (settle: committed += actual -
//      reserved). Only the latter can raise committed, by the amount a call
//      cost more than its reservation: the estimation error (docs/budgets.md).
//   4. A lease's unused part is given back by whoever deletes the lease
//      document (findOneAndDelete: at most one winner) — the data plane
//      returning it or the sweeper after expiry — so nothing is given back
//      twice, and nothing granted to a crashed data plane stays committed
//      longer than the lease TTL.
// Hence the sum of admitted reservations and slices in a window never exceeds
// its limit, and settled spend exceeds it at most by the estimation error.
//
// Slices: a data plane may take a slice (SLICE_FRACTION of the limit, at least
// the request's amount) only while the window keeps KEEP_FREE_FRACTION of the
// limit free after the grant; near exhaustion every request reserves its own
// amount, so idle slices elsewhere can cost at most the idle-return delay.
import { randomUUID } from 'node:crypto';
import type { LedgerCharge, LedgerGrant, LedgerLeaseUse, LedgerRejection, LedgerReserveItem, LedgerReserveResult } from '../../plugin/contract';

import type { Logger } from '../logger';
import type { Models } from '../models';
import type { BudgetLeaseDoc } from '../models/budget-lease.model';
import type { BudgetPolicyDoc } from '../models/budget-policy.model';
import type { BudgetWindowDoc } from '../models/budget-window.model';
import type { EndpointDoc } from '../models/endpoint.model';
import type { BudgetAlertsService } from './budget-alerts.service';
import { ledgerPolicyOf, loopPolicies, rateLimitPolicies, runWindowEnd, UNALIGNED_START, type LedgerPolicy } from './budget-ledger-policies';
import { admitSliding, undoSliding, type LogState, type WindowKey } from './budget-sliding-log';
import { windowAt } from './budget-window';
import { KeyedMutex } from './keyed-mutex';
import { isDuplicateKeyError } from './mongo-errors';

export { ledgerPolicyOf, ledgerScale, rateLimitPolicies, type LedgerPolicy } from './budget-ledger-policies';

export const SLICE_FRACTION = 0.05;
export const KEEP_FREE_FRACTION = 0.25;

export interface LedgerOptions {
  leaseTtlMs: number;
  sweepMs: number;
  /** Grant slices at all (off: every request reserves directly). */
  slices: boolean;
  /** How long the policy cache is trusted; a limit change applies after at most this. */
  policyCacheMs: number;
}

export const DEFAULT_LEDGER_OPTIONS: LedgerOptions = { leaseTtlMs: 10_000, sweepMs: 1_000, slices: true, policyCacheMs: 500 };

type Held = 'reserved' | 'leased' | 'spent';
/** One item's outcome inside a reserve call; `undo` takes an admission back if another item is refused. */
type Taken = { grant: LedgerGrant; undo: () => Promise<unknown> } | { rejected: LedgerRejection };

export class BudgetLedgerService {
  private cache: { at: number; policies: Map<string, LedgerPolicy> } | undefined;
  private loading: Promise<Map<string, LedgerPolicy>> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly locks = new KeyedMutex();
  /** Run window writes under the in-process per-window lock (FerretDB; see keyed-mutex.ts). */
  private serialize = true;
  /** Windows known to exist with ledger counters (saves the open-window upsert on every refusal). */
  private readonly openWindows = new Set<string>();
  /**
   * Windows this process just found too full, remembered for FULL_MEMO_MS: a
   * burst against a spent budget (hundreds of requests at once) is then
   * refused from memory instead of with two or three database operations each
   * under the window's lock, which on FerretDB queued past the data planes'
   * ledger timeout and turned 429s into 503s. It can only refuse, never
   * admit: a request that fits beside the remembered `committed` (or a raised
   * limit) still goes to the database. Whatever gives budget back in this
   * process forgets the window; another replica's give-back is seen within
   * FULL_MEMO_MS.
   */
  private readonly knownFull = new Map<string, { committed: number; windowEnd: string; expired: boolean; until: number }>();
  /** Each sliding log as last read or written here (a stale copy costs one read, never a wrong decision). */
  private readonly slidingLogs = new Map<string, LogState>();
  /**
   * When each data plane last called this replica (any ledger call proves it
   * alive). The sweeper spares its leases for a TTL after that, so a heartbeat
   * held up behind the data plane's own burst of reserve calls does not free
   * budget its requests in flight still hold.
   */
  private readonly lastSeen = new Map<string, number>();
  readonly options: LedgerOptions;

  constructor(
    private readonly models: Models,
    private readonly alerts: BudgetAlertsService,
    private readonly log: Logger,
    options: Partial<LedgerOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...DEFAULT_LEDGER_OPTIONS, ...options };
  }

  /** The sweeper (expired leases) and the alert deliveries, every sweepMs. */
  start(): void {
    void this.detectAtomicUpdates();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.options.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One round: sweep expired leases, send due alerts (the timer's job; tests call it directly). */
  async tick(): Promise<void> {
    try {
      await this.sweepExpired();
      await this.pruneSlidingLogs();
      await this.alerts.deliverDue();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'budget ledger: sweep failed; retrying next tick');
    }
  }

  // ---- admission ------------------------------------------------------

  /** All-or-nothing: every item is taken, or none stays taken. */
  async reserve(dataplaneId: string, items: LedgerReserveItem[]): Promise<LedgerReserveResult> {
    this.seen(dataplaneId);
    const policies = await this.policiesFor(items.map((i) => i.policyId));
    const unknown = items.filter((i) => !policies.has(i.policyId) || policies.get(i.policyId)!.action !== 'reject').map((i) => i.policyId);
    const known = items.filter((i) => policies.get(i.policyId)?.action === 'reject');
    const now = this.now();
    const outcomes = await Promise.allSettled(known.map((item) => this.take(dataplaneId, policies.get(item.policyId)!, item, now)));
    const taken = outcomes.flatMap((o) => (o.status === 'fulfilled' && 'grant' in o.value ? [o.value] : []));
    const failed = outcomes.find((o) => o.status === 'rejected');
    const rejected = outcomes.flatMap((o) => (o.status === 'fulfilled' && 'rejected' in o.value ? [o.value.rejected] : []))[0];
    if (failed || rejected) {
      await Promise.all(taken.map((t) => t.undo()));
      if (failed) throw failed.reason;
      return { admitted: false, rejected: rejected! };
    }
    return { admitted: true, grants: taken.map((t) => t.grant), unknown: [...new Set(unknown)] };
  }

  private async take(dataplaneId: string, policy: LedgerPolicy, item: LedgerReserveItem, now: Date): Promise<Taken> {
    if (policy.shape === 'sliding') return this.takeSliding(policy, item, now);
    const { start, end } = policy.shape === 'run' ? { start: UNALIGNED_START, end: runWindowEnd(now, policy.window) } : windowAt(now, policy.window);
    const key: WindowKey = { policyId: policy.id, subject: item.subject, windowStart: start };
    const taken = await this.locked(key, () => this.takeLocked(dataplaneId, policy, item, key, end, now));
    if (!('leaseId' in taken)) return { rejected: taken };
    if (taken.kind === 'count') {
      const undo = () =>
        this.locked(key, async () => {
          await this.models.budgetWindows.updateOne(key, { $inc: { committed: -taken.granted, spent: -taken.granted } });
          this.knownFull.delete(lockKey(key));
        });
      return { grant: taken, undo };
    }
    return { grant: taken, undo: () => this.giveBack(taken.leaseId) };
  }

  private async takeLocked(
    dataplaneId: string,
    policy: LedgerPolicy,
    item: LedgerReserveItem,
    key: WindowKey,
    end: Date,
    now: Date,
  ): Promise<LedgerGrant | LedgerRejection> {
    const k = lockKey(key);
    const full = this.knownFull.get(k);
    if (full && full.until > performance.now() && (full.expired || item.amount > policy.limit - full.committed)) {
      return rejection(policy, item, full);
    }
    // Run windows never grant slices: each run is its own small window, opened by its first request, so a slice
    // would save no round trip for other runs and would hold a share of a tight run limit on one node.
    if (item.slice && this.options.slices && policy.shape === 'aligned') {
      const slice = Math.max(Math.ceil(policy.limit * SLICE_FRACTION), item.amount);
      const keepFree = Math.ceil(policy.limit * KEEP_FREE_FRACTION);
      const sliced = await this.admit(key, end, policy, policy.limit - keepFree - slice, slice, 'leased', now);
      if (sliced) return this.recordLease(dataplaneId, 'slice', key, end, slice, now, remainingAfter(policy, sliced));
    }
    // A call or a request counts 1 whatever happens to it: final at admission (spent at once, no lease, nothing to settle).
    const final = policy.unit === 'calls' || policy.unit === 'requests';
    const admitted = await this.admit(key, end, policy, policy.limit - item.amount, item.amount, final ? 'spent' : 'reserved', now);
    if (admitted && final) return countGrant(key, admitted.windowEnd, item.amount, this.options.leaseTtlMs, remainingAfter(policy, admitted));
    if (admitted) return this.recordLease(dataplaneId, 'reservation', key, admitted.windowEnd, item.amount, now, remainingAfter(policy, admitted));
    const w = await this.models.budgetWindows.findOne(key, { committed: 1, windowEnd: 1 }).lean();
    const seen = {
      committed: w?.committed ?? 0,
      windowEnd: (policy.shape === 'run' && w ? w.windowEnd : end).toISOString(),
      expired: policy.shape === 'run' && !!w && w.windowEnd.getTime() <= now.getTime(),
    };
    if (this.knownFull.size > 10_000) this.knownFull.clear();
    this.knownFull.set(k, { ...seen, until: performance.now() + FULL_MEMO_MS });
    return rejection(policy, item, seen);
  }

  /** The loop breaker: one entry in the subject's sliding log, under the window's lock whatever the database. */
  private async takeSliding(policy: LedgerPolicy, item: LedgerReserveItem, now: Date): Promise<Taken> {
    const key: WindowKey = { policyId: policy.id, subject: item.subject, windowStart: UNALIGNED_START };
    const slidingMs = policy.slidingMs ?? 60_000;
    const k = lockKey(key);
    const result = await this.locks.run(k, async () => {
      const r = await admitSliding(this.models.budgetWindows, key, policy.limit, slidingMs, now, this.slidingLogs.get(k));
      this.remember(k, r.state);
      return r;
    });
    if (!result.admitted) {
      return {
        rejected: {
          policyId: policy.id,
          subject: item.subject,
          limit: policy.limit,
          available: 0,
          windowEnd: result.retryAt.toISOString(),
          reason: 'exhausted',
        },
      };
    }
    const grant = { ...countGrant(key, new Date(now.getTime() + slidingMs), 1, this.options.leaseTtlMs), leaseId: result.entryId };
    const undo = () =>
      this.locks.run(k, async () => this.remember(k, await undoSliding(this.models.budgetWindows, key, result.entryId, this.now(), this.slidingLogs.get(k))));
    return { grant, undo };
  }

  private remember(k: string, state: LogState): void {
    if (this.slidingLogs.size > 10_000) this.slidingLogs.clear();
    this.slidingLogs.set(k, state);
  }

  /**
   * The one conditional update that admits: committed + amount <= limit
   * (maxCommitted = limit - amount), and for a run window, the run not over.
   * Returns the window as this update left it (its `committed` says what the
   * window can still admit, for the answer's x-budget-remaining).
   */
  private async admit(
    key: WindowKey,
    end: Date,
    policy: LedgerPolicy,
    maxCommitted: number,
    amount: number,
    held: Held,
    now: Date,
  ): Promise<AdmittedWindow | null> {
    if (maxCommitted < 0) return null;
    const open = policy.shape === 'run' ? { windowEnd: { $gt: now } } : {};
    const attempt = () =>
      this.models.budgetWindows
        .findOneAndUpdate(
          { ...key, ...open, committed: { $lte: maxCommitted } },
          // (No projection: FerretDB 1.24 does not implement findAndModify's `fields`.)
          { $inc: { committed: amount, [held]: amount }, $set: { limit: policy.limit, updatedAt: now } },
          { new: true },
        )
        .lean<AdmittedWindow>();
    const first = await attempt();
    if (first) return first;
    // Null means "over the limit" or "no such window yet": open it (unless known open) and retry once.
    const k = lockKey(key);
    if (this.openWindows.has(k)) return null;
    const opened = await this.openWindow(key, end, policy.shape === 'run' ? { shape: 'run', openedAt: now } : {});
    if (this.openWindows.size > 10_000) this.openWindows.clear();
    this.openWindows.add(k);
    return opened ? attempt() : null;
  }

  /** True when the window document was created (or upgraded) just now, so an admission is worth retrying. */
  private async openWindow(key: WindowKey, end: Date, run: Partial<Pick<BudgetWindowDoc, 'shape' | 'openedAt'>>): Promise<boolean> {
    try {
      const res = await this.models.budgetWindows.updateOne(
        key,
        {
          $setOnInsert: {
            windowEnd: end,
            ...run,
            committed: 0,
            reserved: 0,
            leased: 0,
            spent: 0,
            spentUsd: 0,
            spentTokens: 0,
            reservedUsd: 0,
            reservedTokens: 0,
          },
        },
        { upsert: true },
      );
      if (res.upsertedCount > 0) return true;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return true; // another admission created it a moment ago
    }
    // A window written before the ledger existed has no counters yet.
    const upgraded = await this.models.budgetWindows.updateOne(
      { ...key, committed: { $exists: false } },
      { $set: { committed: 0, reserved: 0, leased: 0, spent: 0 } },
    );
    return upgraded.modifiedCount > 0;
  }

  private async recordLease(
    dataplaneId: string,
    kind: BudgetLeaseDoc['kind'],
    key: WindowKey,
    end: Date,
    granted: number,
    now: Date,
    remaining: number | undefined,
  ): Promise<LedgerGrant> {
    const lease: BudgetLeaseDoc = {
      _id: randomUUID(),
      kind,
      dataplaneId,
      ...key,
      windowEnd: end,
      granted,
      used: 0,
      expiresAt: new Date(now.getTime() + this.options.leaseTtlMs),
      createdAt: now,
    };
    try {
      await this.models.budgetLeases.create(lease);
    } catch (err) {
      // Without its lease document the grant could never be given back: undo it now.
      await this.models.budgetWindows.updateOne(key, { $inc: { committed: -granted, [heldField(kind)]: -granted } });
      throw err;
    }
    return {
      policyId: key.policyId,
      subject: key.subject,
      leaseId: lease._id,
      kind,
      granted,
      windowStart: key.windowStart.toISOString(),
      windowEnd: end.toISOString(),
      ttlMs: this.options.leaseTtlMs,
      ...(remaining !== undefined ? { remaining } : {}),
    };
  }

  // ---- settlement -----------------------------------------------------

  /** Reports and returns leases, charges alert policies. Returns the lease ids that had already expired. */
  async settle(dataplaneId: string, leases: LedgerLeaseUse[], charges: LedgerCharge[]): Promise<{ expired: string[] }> {
    this.seen(dataplaneId);
    const expired: string[] = [];
    await Promise.all([
      ...leases.map(async (use) => {
        const held = use.release ? await this.giveBack(use.leaseId, use, dataplaneId) : await this.report(use, dataplaneId);
        if (!held) {
          expired.push(use.leaseId);
          await this.chargeExpired(use);
        }
      }),
      ...charges.map((c) => this.charge(c)),
    ]);
    return { expired };
  }

  /** Deletes the lease (the one winner) and gives its unused part back. False if it was gone already. */
  private async giveBack(leaseId: string, use?: Pick<LedgerLeaseUse, 'used' | 'usedUsd' | 'usedTokens'>, dataplaneId?: string): Promise<boolean> {
    const found = await this.models.budgetLeases.findOne({ _id: leaseId, ...(dataplaneId ? { dataplaneId } : {}) }).lean<BudgetLeaseDoc>();
    if (!found) return false;
    return this.locked(found, async () => {
      const lease = await this.models.budgetLeases.findOneAndDelete({ _id: leaseId }).lean<BudgetLeaseDoc>();
      if (!lease) return false;
      await this.returnUnused(lease, use);
      return true;
    });
  }

  private async returnUnused(lease: BudgetLeaseDoc, use?: Pick<LedgerLeaseUse, 'used' | 'usedUsd' | 'usedTokens'>): Promise<void> {
    const used = use?.used ?? 0;
    const unused = lease.granted - lease.used;
    this.knownFull.delete(lockKey(lease));
    await this.models.budgetWindows.updateOne(
      { policyId: lease.policyId, subject: lease.subject, windowStart: lease.windowStart },
      {
        $inc: { committed: used - unused, [heldField(lease.kind)]: -unused, spent: used, spentUsd: use?.usedUsd ?? 0, spentTokens: use?.usedTokens ?? 0 },
        $set: { updatedAt: this.now() },
      },
    );
  }

  /** Moves reported usage from the lease's grant to spent; committed is unchanged. */
  private async report(use: LedgerLeaseUse, dataplaneId: string): Promise<boolean> {
    const found = await this.models.budgetLeases.findOne({ _id: use.leaseId, dataplaneId }).lean<BudgetLeaseDoc>();
    if (!found) return false;
    return this.locked(found, async () => {
      const lease = await this.models.budgetLeases.findOneAndUpdate({ _id: use.leaseId }, { $inc: { used: use.used } }).lean<BudgetLeaseDoc>();
      if (!lease) return false;
      await this.models.budgetWindows.updateOne(
        { policyId: lease.policyId, subject: lease.subject, windowStart: lease.windowStart },
        { $inc: { [heldField(lease.kind)]: -use.used, spent: use.used, spentUsd: use.usedUsd, spentTokens: use.usedTokens }, $set: { updatedAt: this.now() } },
      );
      return true;
    });
  }

  /** Usage of a lease that expired meanwhile (its grant was given back by the sweeper): charge it as spend. */
  private async chargeExpired(use: LedgerLeaseUse): Promise<void> {
    const windowStart = new Date(use.windowStart);
    if (Number.isNaN(windowStart.getTime()) || use.used + use.usedUsd + use.usedTokens === 0) return;
    const key = { policyId: use.policyId, subject: use.subject, windowStart };
    await this.locked(key, () =>
      this.models.budgetWindows.updateOne(key, {
        $inc: { committed: use.used, spent: use.used, spentUsd: use.usedUsd, spentTokens: use.usedTokens },
        $set: { updatedAt: this.now() },
      }),
    );
  }

  /** Unconditional spend (alert policies never block); fires the alert when the limit is reached. */
  private async charge(c: LedgerCharge): Promise<void> {
    const policy = (await this.policiesFor([c.policyId])).get(c.policyId);
    // Alert charges exist for aligned windows only (run scopes and loop rules reject).
    if (!policy || policy.shape !== 'aligned') return;
    const now = this.now();
    // A stream admitted before a window boundary and ending after it belongs to the earlier window.
    // (`at` is a date-time the OpenAPI validator has checked; never later than now.)
    const { start, end } = windowAt(c.at ? new Date(Math.min(Date.parse(c.at), now.getTime())) : now, policy.window);
    const key: WindowKey = { policyId: policy.id, subject: c.subject, windowStart: start };
    const update = () =>
      this.models.budgetWindows
        .findOneAndUpdate(
          key,
          {
            $inc: { committed: c.amount, spent: c.amount, spentUsd: c.usd, spentTokens: c.tokens },
            $set: { limit: policy.limit, updatedAt: now },
            $setOnInsert: { windowEnd: end, reserved: 0, leased: 0, reservedUsd: 0, reservedTokens: 0 },
          },
          { upsert: true, new: true },
        )
        .lean<BudgetWindowDoc>();
    await this.locked(key, async () => {
      const doc = await update().catch((err: unknown) => {
        if (isDuplicateKeyError(err)) return update();
        throw err;
      });
      if (policy.action === 'alert' && policy.webhookUrl && (doc.spent ?? 0) >= policy.limit && !doc.alertedAt) {
        await this.alerts.claim(policy, key, end, doc.spent ?? 0);
      }
    });
  }

  // ---- leases: renewal and expiry ------------------------------------

  /** Keeps every lease of this data plane alive for another TTL (one write: its heartbeat). */
  async renew(dataplaneId: string): Promise<{ renewed: number; ttlMs: number }> {
    this.seen(dataplaneId);
    const expiresAt = new Date(this.now().getTime() + this.options.leaseTtlMs);
    const renew = () => this.models.budgetHeartbeats.updateOne({ _id: dataplaneId }, { $set: { expiresAt } }, { upsert: true });
    await renew().catch((err: unknown) => {
      if (isDuplicateKeyError(err)) return renew();
      throw err;
    });
    return { renewed: await this.models.budgetLeases.countDocuments({ dataplaneId }), ttlMs: this.options.leaseTtlMs };
  }

  /** Gives back what expired leases (crashed or cut-off data planes) still hold. */
  async sweepExpired(): Promise<number> {
    const now = this.now();
    const candidates = await this.models.budgetLeases
      .find({ expiresAt: { $lt: now } })
      .limit(500)
      .lean<BudgetLeaseDoc[]>();
    if (candidates.length === 0) return 0;
    const owners = [...new Set(candidates.map((l) => l.dataplaneId))];
    const alive = new Set((await this.models.budgetHeartbeats.find({ _id: { $in: owners }, expiresAt: { $gte: now } }, { _id: 1 }).lean()).map((h) => h._id));
    for (const [id, at] of this.lastSeen) {
      if (now.getTime() - at < this.options.leaseTtlMs) alive.add(id);
      else this.lastSeen.delete(id);
    }
    let swept = 0;
    for (const candidate of candidates) {
      if (alive.has(candidate.dataplaneId)) continue;
      const gone = await this.locked(candidate, async () => {
        const lease = await this.models.budgetLeases.findOneAndDelete({ _id: candidate._id }).lean<BudgetLeaseDoc>();
        if (lease) await this.returnUnused(lease);
        return !!lease;
      });
      if (gone) swept++;
    }
    if (swept > 0) this.log.info({ swept }, 'budget ledger: gave back expired leases');
    return swept;
  }

  /**
   * Deletes loop-breaker logs that count nothing any more (every entry older
   * than the window: windowEnd, the newest entry's time + the window, has
   * passed). Such a log admits like an empty one, so deleting it changes no
   * decision; it runs under the window's lock, so no admission is lost to it.
   * (The loop breaker's repeat rule writes one log per distinct request.)
   */
  async pruneSlidingLogs(): Promise<number> {
    const now = this.now();
    const stale = await this.models.budgetWindows
      .find({ shape: 'sliding', windowEnd: { $lt: now } }, { policyId: 1, subject: 1, windowStart: 1 })
      .limit(500)
      .lean<WindowKey[]>();
    let pruned = 0;
    for (const w of stale) {
      const key = { policyId: w.policyId, subject: w.subject, windowStart: w.windowStart };
      const k = lockKey(key);
      const gone = await this.locks.run(k, () => this.models.budgetWindows.deleteOne({ ...key, windowEnd: { $lt: now } }));
      this.slidingLogs.delete(k);
      pruned += gone.deletedCount;
    }
    return pruned;
  }

  private seen(dataplaneId: string): void {
    this.lastSeen.set(dataplaneId, this.now().getTime());
  }

  private locked<T>(key: WindowKey, work: () => Promise<T>): Promise<T> {
    return this.serialize ? this.locks.run(lockKey(key), work) : work();
  }

  /**
   * MongoDB applies each update atomically: no lock needed, and replicas and
   * concurrent requests scale. FerretDB (which reports `ferretdbVersion` in
   * buildInfo) does not: keep the per-window lock there. Until known: lock.
   */
  private async detectAtomicUpdates(): Promise<void> {
    try {
      const info = await this.models.budgetWindows.db.db!.admin().command({ buildInfo: 1 });
      this.serialize = 'ferretdbVersion' in info || 'ferretdb' in info;
      this.log.info({ perWindowLock: this.serialize }, 'budget ledger: database detected');
    } catch {
      // Keep locking: always correct, only slower.
    }
  }

  // ---- policies ---------------------------------------------------------

  /** Budget policies and endpoint rate limits, cached briefly; an unknown id reloads at once. */
  private async policiesFor(ids: string[]): Promise<Map<string, LedgerPolicy>> {
    const fresh = this.cache && Date.now() - this.cache.at < this.options.policyCacheMs;
    if (fresh && ids.every((id) => this.cache!.policies.has(id))) return this.cache!.policies;
    this.loading ??= this.loadPolicies().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadPolicies(): Promise<Map<string, LedgerPolicy>> {
    const [budgets, endpoints] = await Promise.all([
      this.models.budgetPolicies.find().lean<BudgetPolicyDoc[]>(),
      this.models.endpoints
        .find({ $or: [{ rateLimits: { $exists: true } }, { loopBreaker: { $exists: true } }] }, { _id: 1, name: 1, rateLimits: 1, loopBreaker: 1 })
        .lean<EndpointDoc[]>(),
    ]);
    const policies = new Map<string, LedgerPolicy>();
    for (const b of budgets) policies.set(b._id, ledgerPolicyOf(b));
    for (const e of endpoints) for (const p of [...rateLimitPolicies(e), ...loopPolicies(e)]) policies.set(p.id, p);
    this.cache = { at: Date.now(), policies };
    return policies;
  }
}

type AdmittedWindow = Pick<BudgetWindowDoc, 'windowEnd' | 'committed'>;

/** What the window can still admit after an admission (the grant's `remaining`). */
function remainingAfter(policy: LedgerPolicy, window: AdmittedWindow): number | undefined {
  return window.committed === undefined ? undefined : Math.max(0, policy.limit - window.committed);
}

/** How long a window found full is refused from memory (see knownFull). */
export const FULL_MEMO_MS = 250;

function rejection(policy: LedgerPolicy, item: LedgerReserveItem, seen: { committed: number; windowEnd: string; expired: boolean }): LedgerRejection {
  return {
    policyId: policy.id,
    subject: item.subject,
    limit: policy.limit,
    available: seen.expired ? 0 : Math.max(0, policy.limit - seen.committed),
    windowEnd: seen.windowEnd,
    reason: seen.expired ? 'expired' : 'exhausted',
  };
}

function lockKey(key: WindowKey): string {
  return `${key.policyId}\u0000${key.subject}\u0000${key.windowStart.getTime()}`;
}

/** A grant that is final when given (calls, requests, loop-breaker entries): nothing to settle or give back. */
function countGrant(key: WindowKey, end: Date, granted: number, ttlMs: number, remaining?: number): LedgerGrant {
  return {
    policyId: key.policyId,
    subject: key.subject,
    leaseId: randomUUID(),
    kind: 'count',
    granted,
    windowStart: key.windowStart.toISOString(),
    windowEnd: end.toISOString(),
    ttlMs,
    ...(remaining !== undefined ? { remaining } : {}),
  };
}

function heldField(kind: BudgetLeaseDoc['kind']): Held {
  return kind === 'slice' ? 'leased' : 'reserved';
}
