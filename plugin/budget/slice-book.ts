// The local slices of one data plane: budget granted by the ledger that this
// process may admit requests from without asking the control plane. Pure
// bookkeeping with an injected clock; the guard does the I/O.
//
// A slice admits only while (a) the amount fits what is left of it, (b) its
// window has not ended and (c) its lease is still certainly alive: the local
// deadline is the send time of the last successful grant/renewal plus the TTL
// minus a margin, so the control plane never sweeps a slice this process
// still admits from (given clocks that run at the same rate).
import type { LedgerGrant } from '../contract';

export interface Usage {
  units: number;
  usd: number;
  tokens: number;
}

export interface Slice {
  readonly leaseId: string;
  readonly policyId: string;
  readonly subject: string;
  readonly windowStart: string;
  readonly windowEndMs: number;
  readonly granted: number;
  /**
   * What the window could still admit when the ledger granted this slice,
   * the slice itself not counted (the grant's `remaining` + `granted`);
   * undefined from a control plane that does not say.
   */
  readonly remainingAtGrant: number | undefined;
  /** Admitted locally and not settled yet. */
  held: number;
  /** Settled locally (actual spend), reported or not. */
  used: number;
  unreported: Usage;
  inFlight: number;
  lastActivityMs: number;
  lastReportMs: number;
  validUntilMs: number;
  /** No longer admits; released once its requests settle. */
  retired: boolean;
  released: boolean;
}

export interface SliceTimings {
  /** Give an unused slice back after this long without admissions. */
  idleMs: number;
  /** Report usage of a busy slice at most this often. */
  reportMs: number;
}

export const DEFAULT_SLICE_TIMINGS: SliceTimings = { idleMs: 1_000, reportMs: 1_000 };

const keyOf = (policyId: string, subject: string) => `${policyId}\u0000${subject}`;

export class SliceBook {
  private readonly current = new Map<string, Slice>();
  private readonly live = new Set<Slice>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly timings: SliceTimings = DEFAULT_SLICE_TIMINGS,
  ) {}

  /** Takes `amount` from the current slice of (policy, subject), if it can admit it. */
  take(policyId: string, subject: string, amount: number): Slice | undefined {
    const slice = this.current.get(keyOf(policyId, subject));
    if (!slice || !this.admits(slice)) return undefined;
    if (slice.granted - slice.held - slice.used < amount) return undefined;
    slice.held += amount;
    slice.inFlight++;
    slice.lastActivityMs = this.now();
    return slice;
  }

  /** A slice granted by the ledger, with `taken` already admitted from it for the request that asked. */
  add(grant: LedgerGrant, taken: number, validUntilMs: number): Slice {
    const now = this.now();
    const slice: Slice = {
      leaseId: grant.leaseId,
      policyId: grant.policyId,
      subject: grant.subject,
      windowStart: grant.windowStart,
      windowEndMs: Date.parse(grant.windowEnd),
      granted: grant.granted,
      remainingAtGrant: grant.remaining === undefined ? undefined : grant.remaining + grant.granted,
      held: taken,
      used: 0,
      unreported: { units: 0, usd: 0, tokens: 0 },
      inFlight: 1,
      lastActivityMs: now,
      lastReportMs: now,
      validUntilMs,
      retired: false,
      released: false,
    };
    const key = keyOf(grant.policyId, grant.subject);
    const previous = this.current.get(key);
    if (previous) previous.retired = true;
    this.current.set(key, slice);
    this.live.add(slice);
    return slice;
  }

  /** A request admitted from `slice` finished: `reserved` is released, `actual` is spent. False if the slice was released meanwhile. */
  settle(slice: Slice, reserved: number, actual: Usage): boolean {
    slice.held -= reserved;
    slice.inFlight--;
    slice.used += actual.units;
    slice.lastActivityMs = this.now();
    if (slice.released) return false;
    slice.unreported.units += actual.units;
    slice.unreported.usd += actual.usd;
    slice.unreported.tokens += actual.tokens;
    return true;
  }

  renewed(validUntilMs: number): void {
    for (const slice of this.live) slice.validUntilMs = Math.max(slice.validUntilMs, validUntilMs);
  }

  /** The ledger no longer holds this lease (it expired): stop using it. */
  drop(leaseId: string): void {
    for (const slice of this.live) if (slice.leaseId === leaseId) this.release(slice);
  }

  /** Slices to report (usage moved out of `unreported`) and slices to give back (removed from the book). */
  due(force = false): { reports: Array<{ slice: Slice; usage: Usage }>; releases: Array<{ slice: Slice; usage: Usage }> } {
    const now = this.now();
    const reports: Array<{ slice: Slice; usage: Usage }> = [];
    const releases: Array<{ slice: Slice; usage: Usage }> = [];
    for (const slice of this.live) {
      const finished = !this.admits(slice) || now - slice.lastActivityMs >= this.timings.idleMs;
      if (force || (finished && slice.inFlight === 0)) {
        releases.push({ slice, usage: this.takeUnreported(slice) });
        this.release(slice);
      } else if (slice.unreported.units > 0 && now - slice.lastReportMs >= this.timings.reportMs) {
        slice.lastReportMs = now;
        reports.push({ slice, usage: this.takeUnreported(slice) });
      }
    }
    return { reports, releases };
  }

  size(): number {
    return this.live.size;
  }

  private admits(slice: Slice): boolean {
    const now = this.now();
    return !slice.retired && !slice.released && now < slice.windowEndMs && now < slice.validUntilMs;
  }

  private release(slice: Slice): void {
    slice.released = true;
    this.live.delete(slice);
    const key = keyOf(slice.policyId, slice.subject);
    if (this.current.get(key) === slice) this.current.delete(key);
  }

  private takeUnreported(slice: Slice): Usage {
    const usage = slice.unreported;
    slice.unreported = { units: 0, usd: 0, tokens: 0 };
    return usage;
  }
}

/**
 * What the slice's window can still admit as this node sees it: the ledger's
 * figure when the slice was granted, minus what this node took from the
 * slice since (requests in flight at their reservation, settled ones at
 * their actual charge). Admissions by other nodes since the grant are not
 * in it. Undefined when the ledger gave no figure.
 */
export function sliceRemaining(slice: Slice): number | undefined {
  return slice.remainingAtGrant === undefined ? undefined : Math.max(0, slice.remainingAtGrant - slice.held - slice.used);
}
