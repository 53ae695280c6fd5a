import type { Budget, BudgetSpend } from '../../api/client';
import { formatSpan } from '../../format';
import { formatAmount } from './describe-budget';

/**
 * Spend against the limit in the current window. What is committed but not
 * spent yet (reservations of requests in flight, unused slices gateways hold)
 * is drawn lighter: admission counts it, so it is not available either.
 */
export function SpendBar({ budget, spend, now }: { budget: Budget; spend: BudgetSpend; now: number }) {
  const spent = budget.unit === 'usd' ? spend.spentUsd : budget.unit === 'calls' ? (spend.spentCalls ?? 0) : spend.spentTokens;
  const reserved = budget.unit === 'usd' ? spend.reservedUsd : budget.unit === 'calls' ? (spend.reservedCalls ?? 0) : spend.reservedTokens;
  const held = Math.max(0, spend.committed - spent);
  const limit = spend.limit;
  const pct = (v: number) => (limit > 0 ? Math.min(100, (v / limit) * 100) : v > 0 ? 100 : 0);
  const spentPct = pct(spent);
  const heldPct = Math.min(100 - spentPct, pct(held));
  const label = `${formatAmount(budget.unit, spent)} of ${formatAmount(budget.unit, limit)} spent`;
  return (
    <div class="spend">
      <div
        class={`bar${spentPct >= 100 ? ' full' : spentPct >= 80 ? ' high' : ''}`}
        role="meter"
        aria-label={`Spend of ${budget.name}`}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={spent}
        aria-valuetext={label}
        data-spent={spent}
      >
        <div class="bar-spent" style={{ width: `${spentPct}%` }} />
        <div class="bar-held" style={{ width: `${heldPct}%` }} />
      </div>
      <p class="spend-text">
        {label} ({spentPct.toFixed(spentPct > 0 && spentPct < 1 ? 2 : 0)}%)
        {reserved > 0 ? ` · ${formatAmount(budget.unit, reserved)} reserved by requests in flight` : ''}
        {spend.leased > 0 ? ` · ${formatAmount(budget.unit, spend.leased)} held by gateways for upcoming requests` : ''}
        {spend.run !== undefined ? (spend.expired ? ' · the run is over' : ' · the run closes in ') : ' · resets in '}
        {spend.expired ? null : <time dateTime={spend.windowEnd}>{formatSpan(Date.parse(spend.windowEnd) - now)}</time>}
        {spend.alertedAt ? ' · alert sent' : ''}
      </p>
    </div>
  );
}
