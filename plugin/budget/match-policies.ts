// Which ledger windows a request draws on: the endpoint's loop breaker (per
// run), every budget policy whose scope matches (global; its endpoint; its
// user, or per-user windows; its run) and the endpoint's rate limits. The
// request must fit all `reject` items at once.
import {
  MICRO_USD,
  loopPolicyId,
  loopRuleName,
  rateLimitName,
  rateLimitPolicyId,
  type BudgetAction,
  type BudgetPolicy,
  type Endpoint,
  type LedgerUnit,
} from '../contract';
import type { CostEstimate } from './estimate-cost';

export interface LedgerItem {
  policyId: string;
  subject: string;
  /** For messages and headers. */
  name: string;
  kind: 'budget' | 'rate_limit' | 'loop';
  unit: LedgerUnit;
  action: BudgetAction;
  failOpen: boolean;
  /** What this request reserves, in ledger units. */
  amount: number;
  /** The run whose own window this is (run-scoped budgets, per-run rate limits, the loop breaker). */
  run?: string;
  /** May be served from a local slice: UTC-aligned windows only (run windows and sliding logs never are). */
  sliceable: boolean;
}

/** Who a request is, for the ledger: its user, its agent run (if it has one) and its request fingerprint. */
export interface RequestSubjects {
  user: string;
  run?: string;
  /** Hash of the request's messages and tools; computed only when a loop breaker counts repeats. */
  fingerprint?: () => string;
}

export function matchLedgerItems(policies: BudgetPolicy[], endpoint: Endpoint, who: RequestSubjects, cost: Pick<CostEstimate, 'tokens' | 'usd'>): LedgerItem[] {
  const items: LedgerItem[] = loopItems(endpoint, who);
  for (const p of policies) {
    const subject = subjectOf(p, endpoint, who);
    if (subject === undefined) continue;
    const run = p.scope.type === 'run' ? who.run : undefined;
    items.push({
      policyId: p.id,
      subject,
      name: p.name,
      kind: 'budget',
      unit: p.unit,
      action: p.action,
      failOpen: p.failOpen,
      amount: amountIn(p.unit, cost),
      ...(run ? { run } : {}),
      sliceable: !run,
    });
  }
  const limits = endpoint.rateLimits;
  if (limits && (limits.per !== 'run' || who.run)) {
    const subject = limits.per === 'user' ? who.user : limits.per === 'run' ? who.run! : '';
    const run = limits.per === 'run' ? who.run : undefined;
    // Rate limits fail open when the ledger is unreachable: they protect provider quotas, and the provider's own 429 still does.
    const base = { subject, kind: 'rate_limit' as const, action: 'reject' as const, failOpen: true, sliceable: true, ...(run ? { run } : {}) };
    if (limits.requestsPerMinute) {
      items.push({ ...base, policyId: rateLimitPolicyId(endpoint.id, 'rpm'), name: rateLimitName(endpoint.name, 'rpm'), unit: 'requests', amount: 1 });
    }
    if (limits.tokensPerMinute) {
      items.push({ ...base, policyId: rateLimitPolicyId(endpoint.id, 'tpm'), name: rateLimitName(endpoint.name, 'tpm'), unit: 'tokens', amount: cost.tokens });
    }
  }
  return items;
}

/** The loop breaker counts per run; a request without a run is not counted. It fails open, like rate limits. */
function loopItems(endpoint: Endpoint, who: RequestSubjects): LedgerItem[] {
  const lb = endpoint.loopBreaker;
  if (!lb || !who.run) return [];
  const base = { kind: 'loop' as const, unit: 'calls' as const, action: 'reject' as const, failOpen: true, amount: 1, run: who.run, sliceable: false };
  const items: LedgerItem[] = [];
  if (lb.maxRepeats && who.fingerprint) {
    const policyId = loopPolicyId(endpoint.id, 'repeats');
    items.push({ ...base, policyId, subject: `${who.run}#${who.fingerprint()}`, name: loopRuleName(endpoint.name, 'repeats') });
  }
  if (lb.maxCalls) items.push({ ...base, policyId: loopPolicyId(endpoint.id, 'calls'), subject: who.run, name: loopRuleName(endpoint.name, 'calls') });
  return items;
}

function subjectOf(p: BudgetPolicy, endpoint: Endpoint, who: RequestSubjects): string | undefined {
  switch (p.scope.type) {
    case 'global':
      return '';
    case 'endpoint':
      return p.scope.endpoint === endpoint.name ? '' : undefined;
    case 'user':
      if (p.scope.user === undefined) return who.user;
      return p.scope.user === who.user ? '' : undefined;
    case 'run':
      // Requests without a run are not bound by run scopes.
      if (!who.run) return undefined;
      return p.scope.endpoint === undefined || p.scope.endpoint === endpoint.name ? who.run : undefined;
  }
}

export function amountIn(unit: LedgerUnit, cost: { tokens: number; usd: number }): number {
  if (unit === 'requests' || unit === 'calls') return 1;
  if (unit === 'tokens') return Math.ceil(cost.tokens);
  return Math.ceil(cost.usd * MICRO_USD);
}

/** Ledger units as the policy's unit for people: USD with 6 decimals, whole tokens, requests or calls. */
export function displayAmount(unit: LedgerUnit, units: number): string {
  return unit === 'usd' ? (units / MICRO_USD).toFixed(6) : String(units);
}
