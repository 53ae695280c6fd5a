// What a successful answer says about the budgets it was admitted under:
// `x-budget-remaining`, `x-budget-reset` and `x-budget-policy` for the
// tightest of them, in the same format as a refusal's (refusals.ts).
//
// "Remaining" is what the window can still admit (limit - committed, the
// refusal's figure) as of this request's admission, with this request
// counted at its actual charge when the answer is whole (its cost is known
// before its headers go out) or at its reservation when it streams (the
// headers leave first). From a local slice it is the ledger's figure at the
// slice's grant minus what this node took from the slice since
// (slice-book.ts). Where any window's figure is unknown (an older control
// plane, or a fail-open admission while the ledger was unreachable), no
// header is sent rather than a guess. See docs/budgets.md.
import { displayAmount, amountIn, type LedgerItem } from './match-policies';

/** Where one window a request was admitted under stood right after its admission. */
export interface WindowStanding {
  item: LedgerItem;
  /** What the window can still admit, this request's reservation counted (ledger units); undefined: not known. */
  remaining: number | undefined;
  /** ISO 8601. */
  windowEnd: string;
}

/**
 * Headers for the tightest window: the one that fits the fewest more
 * requests reserving what this one did (remaining / reservation), so a
 * requests-per-minute limit with 3 left beats a USD budget with room for a
 * thousand. `charged`: the request's actual cost, when known (whole answers).
 */
export function remainingHeaders(standings: readonly WindowStanding[], charged?: { usd: number; tokens: number }): Record<string, string> {
  let tightest: { standing: WindowStanding; remaining: number; room: number } | undefined;
  for (const standing of standings) {
    if (standing.remaining === undefined) return {};
    const { item } = standing;
    // A whole answer's own reservation is replaced by what it cost (settlement does the same to the window).
    const remaining = charged ? Math.max(0, standing.remaining + item.amount - amountIn(item.unit, charged)) : standing.remaining;
    const room = item.amount > 0 ? remaining / item.amount : Infinity;
    if (!tightest || room < tightest.room) tightest = { standing, remaining, room };
  }
  if (!tightest) return {};
  const { item, windowEnd } = tightest.standing;
  return { 'x-budget-remaining': displayAmount(item.unit, tightest.remaining), 'x-budget-reset': windowEnd, 'x-budget-policy': item.name };
}
