// What the ledger enforces, by ledger policy id: budget policies (their own
// id), endpoint rate limits (`ratelimit:<endpoint id>:rpm|tpm`) and endpoint
// loop breakers (`loop:<endpoint id>:repeats|calls`). Each has a window shape:
//   aligned  UTC-aligned windows (budget-window.ts), one per subject;
//   run      one window per subject (a run), opened by its first admission
//            and closed `window` later (a run's lifetime);
//   sliding  a log of the subject's last `limit` admissions: one more is
//            admitted only while the oldest of them is `slidingMs` old.
import {
  MICRO_USD,
  loopPolicyId,
  loopRuleName,
  rateLimitName,
  rateLimitPolicyId,
  type BudgetAction,
  type BudgetPolicy,
  type LedgerUnit,
} from '../../plugin/contract';
import type { BudgetPolicyDoc } from '../models/budget-policy.model';
import type { EndpointDoc } from '../models/endpoint.model';

export type WindowShape = 'aligned' | 'run' | 'sliding';

/** A budget policy, an endpoint rate limit or a loop-breaker rule, as the ledger sees it. */
export interface LedgerPolicy {
  id: string;
  name: string;
  unit: LedgerUnit;
  /** In ledger units (integer). */
  limit: number;
  /** Aligned: the window; run: the run's lifetime; sliding: unused (see slidingMs). */
  window: BudgetPolicy['window'];
  shape: WindowShape;
  /** Sliding logs: how long an admission counts. */
  slidingMs?: number;
  action: BudgetAction;
  webhookUrl?: string;
}

/** The key start of run windows and sliding logs: they are not aligned, one document per subject. */
export const UNALIGNED_START = new Date(0);

export function ledgerScale(unit: LedgerUnit): number {
  return unit === 'usd' ? MICRO_USD : 1;
}

export function rateLimitPolicies(e: Pick<EndpointDoc, '_id' | 'name' | 'rateLimits'>): LedgerPolicy[] {
  const out: LedgerPolicy[] = [];
  const minute = { unit: 'minutes' as const, size: 1 };
  const base = { window: minute, shape: 'aligned' as const, action: 'reject' as const };
  if (e.rateLimits?.requestsPerMinute) {
    out.push({ ...base, id: rateLimitPolicyId(e._id, 'rpm'), name: rateLimitName(e.name, 'rpm'), unit: 'requests', limit: e.rateLimits.requestsPerMinute });
  }
  if (e.rateLimits?.tokensPerMinute) {
    out.push({ ...base, id: rateLimitPolicyId(e._id, 'tpm'), name: rateLimitName(e.name, 'tpm'), unit: 'tokens', limit: e.rateLimits.tokensPerMinute });
  }
  return out;
}

export function loopPolicies(e: Pick<EndpointDoc, '_id' | 'name' | 'loopBreaker'>): LedgerPolicy[] {
  const lb = e.loopBreaker;
  if (!lb) return [];
  const out: LedgerPolicy[] = [];
  const base = { unit: 'calls' as const, window: { unit: 'minutes' as const, size: 1 }, shape: 'sliding' as const, action: 'reject' as const };
  if (lb.maxRepeats) {
    out.push({
      ...base,
      id: loopPolicyId(e._id, 'repeats'),
      name: loopRuleName(e.name, 'repeats'),
      limit: lb.maxRepeats,
      slidingMs: lb.repeatWindowSeconds * 1000,
    });
  }
  if (lb.maxCalls) {
    out.push({ ...base, id: loopPolicyId(e._id, 'calls'), name: loopRuleName(e.name, 'calls'), limit: lb.maxCalls, slidingMs: lb.callWindowSeconds * 1000 });
  }
  return out;
}

export function ledgerPolicyOf(p: Pick<BudgetPolicyDoc, '_id' | 'name' | 'unit' | 'limit' | 'window' | 'action' | 'webhookUrl' | 'scope'>): LedgerPolicy {
  return {
    id: p._id,
    name: p.name,
    unit: p.unit,
    // Rounded to 1/1000 unit first, so float noise (19.999999999999996 USD) does not cost a whole micro-dollar.
    limit: Math.floor(Math.round(p.limit * ledgerScale(p.unit) * 1000) / 1000),
    window: p.window,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a lean policy saved before scopes existed has none (no schema defaults on lean reads)
    shape: p.scope?.type === 'run' ? 'run' : 'aligned',
    action: p.action,
    ...(p.webhookUrl ? { webhookUrl: p.webhookUrl } : {}),
  };
}

/** When a run window opened at `opened` closes: `window` later (months are calendar months). */
export function runWindowEnd(opened: Date, lifetime: BudgetPolicy['window']): Date {
  if (lifetime.unit === 'months') {
    const d = new Date(opened);
    d.setUTCMonth(d.getUTCMonth() + lifetime.size);
    return d;
  }
  const ms = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 }[lifetime.unit];
  return new Date(opened.getTime() + ms * lifetime.size);
}
