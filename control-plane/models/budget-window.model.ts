import { Schema, type Connection } from 'mongoose';

/**
 * The ledger: one document per (policyId, subject, windowStart) of a budget
 * policy or an endpoint rate limit. `subject` is "" for global/endpoint
 * policies, fixed-user policies and per-endpoint rate limits, and the user id
 * for per-user policies and per-user rate limits, so every user gets their
 * own window.
 *
 * Ledger amounts (`limit`, `committed`, `reserved`, `leased`, `spent`) are
 * integers in the policy's ledger unit: micro-USD for USD policies, tokens,
 * or requests (rate limits). Integers keep every comparison exact.
 *
 *   committed = reserved + leased + spent            (kept by every update)
 *
 * Concurrency contract (services/budget-ledger.service.ts): every change is
 * ONE atomic single-document update, never read-modify-write:
 *   - open a window: updateOne(key, {$setOnInsert: {windowEnd}}, {upsert: true}); a lost
 *                    duplicate-key race is fine (isDuplicateKeyError: FerretDB says code 1)
 *   - admit:         findOneAndUpdate({...key, committed: {$lte: limit - amount}}, {$inc: {committed: amount, reserved|leased: amount}})
 *   - settle:        $inc {committed: actual - reserved, reserved: -reserved, spent: actual}
 * so the sum of what was admitted in a window never exceeds the limit.
 * No transactions and no TTL indexes (FerretDB 1.x supports neither). Old
 * windows are kept as history (and can be pruned by windowEnd).
 *
 * Run windows (run-scoped budgets) and sliding logs (the loop breaker) are
 * one document per subject, keyed with windowStart = the epoch
 * (UNALIGNED_START): a run window opens with the run's first admission
 * (`openedAt`) and closes at `windowEnd`, which every admission checks; a
 * sliding log holds the times of its admissions instead of amounts
 * (budget-sliding-log.ts).
 *
 * `spentUsd`/`spentTokens` are informational totals in USD and tokens, kept
 * for every policy whatever its unit; `reservedUsd`/`reservedTokens` are
 * legacy fields (never written by the ledger, still reported if present).
 */
export interface BudgetWindowDoc {
  policyId: string;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  limit?: number;
  committed?: number;
  reserved?: number;
  leased?: number;
  spent?: number;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
  /** Set once when an "alert" policy's spend first reached its limit in this window. */
  alertedAt?: Date;
  /** Absent for UTC-aligned windows. */
  shape?: 'run' | 'sliding';
  /** Run windows: the run's first admission. */
  openedAt?: Date;
  /** Sliding logs: a version counter (compare-and-set) and the admissions inside the window, oldest first. */
  n?: number;
  log?: SlidingSlot[];
  updatedAt: Date;
}

/** One admission in a sliding log: its time (epoch ms, the control plane's clock) and a unique id. */
export interface SlidingSlot {
  t: number;
  id: string;
}

const budgetWindowSchema = new Schema<BudgetWindowDoc>(
  {
    policyId: { type: String, required: true },
    subject: { type: String, default: '' },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
    limit: Number,
    committed: Number,
    reserved: Number,
    leased: Number,
    spent: Number,
    spentUsd: { type: Number, default: 0 },
    spentTokens: { type: Number, default: 0 },
    reservedUsd: { type: Number, default: 0 },
    reservedTokens: { type: Number, default: 0 },
    alertedAt: Date,
    shape: String,
    openedAt: Date,
    n: Number,
    log: Schema.Types.Mixed,
    updatedAt: Date,
  },
  { collection: 'budget_windows', versionKey: false },
);
budgetWindowSchema.index({ policyId: 1, subject: 1, windowStart: 1 }, { unique: true });
// The sweeper's search for stale loop-breaker logs (every second).
budgetWindowSchema.index({ shape: 1, windowEnd: 1 });

export const budgetWindowModel = (conn: Connection) => conn.model<BudgetWindowDoc>('BudgetWindow', budgetWindowSchema);
