// Budget and rate-limit enforcement on the data plane: admit a request
// before its provider call (all matching windows or none), settle it after.
//
// Admission per ledger item: from a local slice when one can take it (no
// round trip), otherwise one reserve call to the control plane for all the
// items that are left, asking for a slice where no other request of this
// process is already asking for one. The control plane takes each item with
// one conditional atomic update, all-or-nothing; a refusal rolls back what
// was taken locally too. See docs/budgets.md for the guarantee.
import { randomUUID } from 'node:crypto';
import type { BudgetPolicy, Destination, Endpoint, LedgerCharge, LedgerGrant, LedgerLeaseUse, TraceUsage } from '../contract';
import { log } from '../log';
import { chargedAmounts, type CostEstimate } from './estimate-cost';
import { LedgerClient } from './ledger-client';
import { amountIn, matchLedgerItems, type LedgerItem } from './match-policies';
import { exceeded, unavailable, type Refusal } from './refusals';
import { remainingHeaders, type WindowStanding } from './remaining-headers';
import { SliceBook, sliceRemaining, type Slice, type SliceTimings, DEFAULT_SLICE_TIMINGS } from './slice-book';

export type { Refusal } from './refusals';

export interface BudgetGuardOptions {
  controlPlaneUrl: string;
  token: string;
  /** Timeout of one ledger call on the request path. */
  timeoutMs: number;
  /** Ask for local slices (off: every request reserves at the control plane). */
  slices: boolean;
  sliceTimings?: SliceTimings;
  /** Background loop: reports, idle returns, renewals, settlement retries. */
  tickMs?: number;
}

export interface BudgetRequest {
  endpoint: Endpoint;
  policies: BudgetPolicy[];
  user: string;
  /** The request's agent run, if it has one (run scopes, per-run rate limits, the loop breaker). */
  run?: string;
  /** Hash of the request's messages and tools, for the loop breaker's repeat count (computed only if it counts repeats). */
  fingerprint?: () => string;
  /** The most the request can cost; computed only when some policy or limit applies. */
  estimate: () => CostEstimate | undefined;
}

/** What one admitted request holds, to be settled exactly once. */
export interface Admission {
  readonly estimate: CostEstimate | undefined;
  readonly items: LedgerItem[];
  readonly held: Held[];
  /** Where each window that could have refused it stood right after admission (the answer's x-budget-* headers). */
  readonly standings: WindowStanding[];
  /** Epoch ms of admission (alert charges belong to its window). */
  readonly at: number;
  settled: boolean;
}

type Held = { item: LedgerItem; slice: Slice } | { item: LedgerItem; grant: LedgerGrant };

export interface CallOutcome {
  usage?: TraceUsage;
  costUsd?: number;
  served?: Destination;
}

export type TraceBudget = { reservedUsd: number; reservedTokens: number; chargedUsd: number; chargedTokens: number };

const NO_ADMISSION: Admission = Object.freeze({ estimate: undefined, items: [], held: [], standings: [], at: 0, settled: true }) as Admission;
/** A lease is used locally only until this long before its TTL runs out. */
const LEASE_MARGIN_MS = 1_500;

export class BudgetGuard {
  readonly dataplaneId = `dp-${randomUUID()}`;
  private readonly client: LedgerClient;
  private readonly book: SliceBook;
  private readonly acquiring = new Map<string, Promise<unknown>>();
  private pendingLeases: LedgerLeaseUse[] = [];
  private pendingCharges: LedgerCharge[] = [];
  private flushing: Promise<void> | undefined;
  private flushFailures = 0;
  private nextFlushAt = 0;
  private directHeld = 0;
  private ttlMs = 10_000;
  private lastRenewMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: BudgetGuardOptions) {
    this.client = new LedgerClient({ controlPlaneUrl: options.controlPlaneUrl, token: options.token, timeoutMs: options.timeoutMs, backoffMs: 1_000 });
    this.book = new SliceBook(Date.now, options.sliceTimings ?? DEFAULT_SLICE_TIMINGS);
    this.timer = setInterval(() => void this.tick(), options.tickMs ?? 200);
    this.timer.unref();
  }

  /** Admits the request against every matching window, or says why not. */
  async admit(req: BudgetRequest): Promise<{ ok: true; admission: Admission } | { ok: false; refusal: Refusal }> {
    if (req.policies.length === 0 && !req.endpoint.rateLimits && !(req.endpoint.loopBreaker && req.run)) return { ok: true, admission: NO_ADMISSION };
    const estimate = req.estimate();
    if (!estimate) return { ok: true, admission: NO_ADMISSION };
    const items = matchLedgerItems(req.policies, req.endpoint, { user: req.user, run: req.run, fingerprint: req.fingerprint }, estimate);
    if (items.length === 0) return { ok: true, admission: NO_ADMISSION };
    const admission: Admission = { estimate, items, held: [], standings: [], at: Date.now(), settled: false };

    let missing = this.takeLocally(
      admission,
      items.filter((i) => i.action === 'reject'),
    );
    if (missing.length > 0) {
      // Another request is fetching a slice for one of these windows: wait for it once, then try again.
      const waits = missing.map((i) => this.acquiring.get(keyOf(i))).filter((p): p is Promise<unknown> => !!p);
      if (waits.length > 0) {
        await Promise.allSettled(waits);
        missing = this.takeLocally(admission, missing);
      }
    }
    if (missing.length === 0) return { ok: true, admission };

    const askSlice = missing.map((i) => this.options.slices && i.sliceable && !this.acquiring.has(keyOf(i)));
    const call = this.client.reserve(
      this.dataplaneId,
      missing.map((i, n) => ({ policyId: i.policyId, subject: i.subject, amount: i.amount, ...(askSlice[n] ? { slice: true } : {}) })),
    );
    const sentAt = Date.now();
    missing.forEach((i, n) => askSlice[n] && this.acquiring.set(keyOf(i), call));
    try {
      const result = await call;
      if (!result.admitted) {
        this.rollBack(admission);
        const item = missing.find((i) => i.policyId === result.rejected.policyId && i.subject === result.rejected.subject) ?? missing[0];
        return { ok: false, refusal: exceeded(item, result.rejected, estimate) };
      }
      for (const grant of result.grants) {
        const item = missing.find((i) => i.policyId === grant.policyId && i.subject === grant.subject)!;
        // Counted calls, requests and loop-breaker entries are final when granted: nothing to hold, settle or give back.
        if (grant.kind === 'count') {
          stand(admission, item, grant.remaining, grant.windowEnd);
          continue;
        }
        this.ttlMs = grant.ttlMs;
        if (grant.kind === 'slice') {
          const slice = this.book.add(grant, item.amount, sentAt + grant.ttlMs - LEASE_MARGIN_MS);
          admission.held.push({ item, slice });
          // The unused rest of the new slice can still be admitted (by this node): the same figure later requests from it report.
          stand(admission, item, sliceRemaining(slice), grant.windowEnd);
        } else {
          stand(admission, item, grant.remaining, grant.windowEnd);
          admission.held.push({ item, grant });
          this.directHeld++;
        }
      }
      return { ok: true, admission };
    } catch (err) {
      // The ledger is unreachable: reject budgets fail closed unless failOpen; rate limits fail open.
      const closed = missing.find((i) => !i.failOpen);
      log.warn('budget: ledger unreachable', { error: (err as Error).message, failClosed: closed?.name ?? null });
      if (closed) {
        this.rollBack(admission);
        return { ok: false, refusal: unavailable(closed) };
      }
      // Admitted without asking: where these windows stand is not known.
      for (const item of missing) stand(admission, item, undefined, '');
      return { ok: true, admission };
    } finally {
      missing.forEach((i, n) => askSlice[n] && this.acquiring.get(keyOf(i)) === call && this.acquiring.delete(keyOf(i)));
    }
  }

  /**
   * Settles an admitted request to what it really cost (nothing for a call
   * that failed); idempotent. Returns the trace's budget field.
   */
  settle(admission: Admission, outcome: CallOutcome): TraceBudget | undefined {
    if (!admission.estimate) return undefined;
    const { usd, tokens } = chargedAmounts(outcome.served, outcome.usage, outcome.costUsd);
    const trace: TraceBudget = { reservedUsd: admission.estimate.usd, reservedTokens: admission.estimate.tokens, chargedUsd: usd, chargedTokens: tokens };
    if (admission.settled) return trace;
    admission.settled = true;
    for (const held of admission.held) {
      // Requests and calls count 1 whatever happened to the call (also when the provider failed).
      const units = amountIn(held.item.unit, { usd, tokens });
      if ('slice' in held) {
        if (!this.book.settle(held.slice, held.item.amount, { units, usd, tokens })) {
          // The slice went back meanwhile (shutdown, expiry): the ledger charges this usage directly.
          this.pendingLeases.push(leaseUse(held.slice, units, usd, tokens, true));
        }
      } else {
        this.directHeld--;
        this.pendingLeases.push({
          leaseId: held.grant.leaseId,
          policyId: held.grant.policyId,
          subject: held.grant.subject,
          windowStart: held.grant.windowStart,
          used: units,
          usedUsd: usd,
          usedTokens: tokens,
          release: true,
        });
      }
    }
    for (const item of admission.items) {
      if (item.action !== 'alert') continue;
      const units = amountIn(item.unit, { usd, tokens });
      if (units > 0)
        this.pendingCharges.push({ policyId: item.policyId, subject: item.subject, amount: units, usd, tokens, at: new Date(admission.at).toISOString() });
    }
    void this.flush();
    return trace;
  }

  /**
   * `x-budget-remaining`, `x-budget-reset` and `x-budget-policy` for a
   * successful answer (none when no budget or rate limit applies, or where
   * one stands is not known). `outcome`: the call's usage once known (a whole
   * answer), so the figure counts what it cost instead of its reservation.
   */
  remainingHeaders(admission: Admission, outcome?: CallOutcome): Record<string, string> {
    const charged = outcome?.usage ? chargedAmounts(outcome.served, outcome.usage, outcome.costUsd) : undefined;
    return remainingHeaders(admission.standings, charged);
  }

  /** Returns every slice and sends what is pending (shutdown); bounded by `timeoutMs`. */
  async stop(timeoutMs = 2_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.queueSliceWork(true);
    this.nextFlushAt = 0;
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    await this.client.close().catch(() => undefined);
  }

  /** For tests and the spend view: slices held right now. */
  slicesHeld(): number {
    return this.book.size();
  }

  private takeLocally(admission: Admission, items: LedgerItem[]): LedgerItem[] {
    const missing: LedgerItem[] = [];
    for (const item of items) {
      const slice = item.sliceable ? this.book.take(item.policyId, item.subject, item.amount) : undefined;
      if (slice) {
        admission.held.push({ item, slice });
        stand(admission, item, sliceRemaining(slice), new Date(slice.windowEndMs).toISOString());
      } else missing.push(item);
    }
    return missing;
  }

  private rollBack(admission: Admission): void {
    for (const held of admission.held) {
      if ('slice' in held) this.book.settle(held.slice, held.item.amount, { units: 0, usd: 0, tokens: 0 });
    }
    admission.held.length = 0;
    admission.standings.length = 0;
    admission.settled = true;
  }

  private async tick(): Promise<void> {
    this.queueSliceWork(false);
    if (this.pendingLeases.length + this.pendingCharges.length > 0) void this.flush();
    // Renew while anything is held, well before the TTL runs out.
    const now = Date.now();
    if ((this.book.size() > 0 || this.directHeld > 0) && now - this.lastRenewMs >= this.ttlMs / 4 && this.client.reachable()) {
      this.lastRenewMs = now;
      try {
        const { ttlMs } = await this.client.renew(this.dataplaneId);
        this.ttlMs = ttlMs;
        this.book.renewed(now + ttlMs - LEASE_MARGIN_MS);
      } catch (err) {
        log.warn('budget: could not renew leases', { error: (err as Error).message });
      }
    }
  }

  private queueSliceWork(force: boolean): void {
    const { reports, releases } = this.book.due(force);
    for (const { slice, usage } of reports) this.pendingLeases.push(leaseUse(slice, usage.units, usage.usd, usage.tokens, false));
    for (const { slice, usage } of releases) this.pendingLeases.push(leaseUse(slice, usage.units, usage.usd, usage.tokens, true));
  }

  /** Sends pending settlements in batches; on failure keeps them and retries with backoff. */
  private flush(): Promise<void> {
    this.flushing ??= this.flushRound().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushRound(): Promise<void> {
    while (this.pendingLeases.length + this.pendingCharges.length > 0) {
      if (Date.now() < this.nextFlushAt) return;
      // Alert charges pile up while the control plane is down (alert and failOpen budgets keep serving): merge them.
      this.pendingCharges = coalesceCharges(this.pendingCharges);
      const leases = this.pendingLeases.splice(0, 500);
      const charges = this.pendingCharges.splice(0, 500);
      try {
        const { expired } = await this.client.settle(this.dataplaneId, leases, charges);
        this.flushFailures = 0;
        for (const id of expired) this.book.drop(id);
      } catch (err) {
        this.pendingLeases.unshift(...leases);
        this.pendingCharges.unshift(...charges);
        this.flushFailures++;
        this.nextFlushAt = Date.now() + Math.min(5_000, 100 * 2 ** Math.min(this.flushFailures, 6));
        if (this.flushFailures === 1 || this.flushFailures % 20 === 0) {
          log.warn('budget: settlement pending, control plane unreachable', {
            pending: this.pendingLeases.length + this.pendingCharges.length,
            error: (err as Error).message,
          });
        }
        return;
      }
    }
  }
}

/**
 * One charge per policy, subject and minute of admission. Every window starts
 * on a minute, so a minute's requests share all their windows: merging them
 * charges each window the same and bounds what an outage leaves queued.
 */
export function coalesceCharges(charges: LedgerCharge[]): LedgerCharge[] {
  const merged = new Map<string, LedgerCharge>();
  for (const c of charges) {
    const minute = c.at ? new Date(Math.floor(Date.parse(c.at) / 60_000) * 60_000).toISOString() : undefined;
    const key = `${c.policyId}\u0000${c.subject}\u0000${minute ?? ''}`;
    const into = merged.get(key);
    if (into) {
      into.amount += c.amount;
      into.usd += c.usd;
      into.tokens += c.tokens;
    } else {
      merged.set(key, { ...c, ...(minute ? { at: minute } : {}) });
    }
  }
  return [...merged.values()];
}

/** Loop-breaker rules are a safety net, not a budget: the answer's x-budget-* headers leave them out. */
function stand(admission: Admission, item: LedgerItem, remaining: number | undefined, windowEnd: string): void {
  if (item.kind !== 'loop') admission.standings.push({ item, remaining, windowEnd });
}

function keyOf(item: Pick<LedgerItem, 'policyId' | 'subject'>): string {
  return `${item.policyId}\u0000${item.subject}`;
}

function leaseUse(slice: Slice, used: number, usd: number, tokens: number, release: boolean): LedgerLeaseUse {
  return {
    leaseId: slice.leaseId,
    policyId: slice.policyId,
    subject: slice.subject,
    windowStart: slice.windowStart,
    used,
    usedUsd: usd,
    usedTokens: tokens,
    release,
  };
}
