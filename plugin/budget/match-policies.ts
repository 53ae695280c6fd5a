// Which ledger windows a request draws on: every budget policy whose scope
// matches (global; its endpoint; its user, or per-user windows) and the
// endpoint's rate limits. The request must fit all `reject` items at once.
import { MICRO_USD, rateLimitName, rateLimitPolicyId, type BudgetAction, type BudgetPolicy, type Endpoint, type LedgerUnit } from '../contract';
import type { CostEstimate } from './estimate-cost';

export interface LedgerItem {
  policyId: string;
  subject: string;
  /** For messages and headers. */
  name: string;
  kind: 'budget' | 'rate_limit';
  unit: LedgerUnit;
  action: BudgetAction;
  failOpen: boolean;
  /** What this request reserves, in ledger units. */
  amount: number;
}

export function matchLedgerItems(policies: BudgetPolicy[], endpoint: Endpoint, user: string, cost: Pick<CostEstimate, 'tokens' | 'usd'>): LedgerItem[] {
  const items: LedgerItem[] = [];
  for (const p of policies) {
    const subject = subjectOf(p, endpoint, user);
    if (subject === undefined) continue;
    const unit: LedgerUnit = p.unit;
    items.push({ policyId: p.id, subject, name: p.name, kind: 'budget', unit, action: p.action, failOpen: p.failOpen, amount: amountIn(unit, cost) });
  }
  const limits = endpoint.rateLimits;
  if (limits) {
    const subject = limits.per === 'user' ? user : '';
    // Rate limits fail open when the ledger is unreachable: they protect provider quotas, and the provider's own 429 still does.
    if (limits.requestsPerMinute) {
      items.push({
        policyId: rateLimitPolicyId(endpoint.id, 'rpm'),
        subject,
        name: rateLimitName(endpoint.name, 'rpm'),
        kind: 'rate_limit',
        unit: 'requests',
        action: 'reject',
        failOpen: true,
        amount: 1,
      });
    }
    if (limits.tokensPerMinute) {
      items.push({
        policyId: rateLimitPolicyId(endpoint.id, 'tpm'),
        subject,
        name: rateLimitName(endpoint.name, 'tpm'),
        kind: 'rate_limit',
        unit: 'tokens',
        action: 'reject',
        failOpen: true,
        amount: cost.tokens,
      });
    }
  }
  return items;
}

function subjectOf(p: BudgetPolicy, endpoint: Endpoint, user: string): string | undefined {
  switch (p.scope.type) {
    case 'global':
      return '';
    case 'endpoint':
      return p.scope.endpoint === endpoint.name ? '' : undefined;
    case 'user':
      if (p.scope.user === undefined) return user;
      return p.scope.user === user ? '' : undefined;
  }
}

export function amountIn(unit: LedgerUnit, cost: { tokens: number; usd: number }): number {
  if (unit === 'requests') return 1;
  if (unit === 'tokens') return Math.ceil(cost.tokens);
  return Math.ceil(cost.usd * MICRO_USD);
}

/** Ledger units as the policy's unit for people: USD with 6 decimals, whole tokens or requests. */
export function displayAmount(unit: LedgerUnit, units: number): string {
  return unit === 'usd' ? (units / MICRO_USD).toFixed(6) : String(units);
}
