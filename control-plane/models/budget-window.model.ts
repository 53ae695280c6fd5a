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
  updatedAt: Date;
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
    updatedAt: Date,
  },
  { collection: 'budget_windows', versionKey: false },
);
budgetWindowSchema.index({ policyId: 1, subject: 1, windowStart: 1 }, { unique: true });

export const budgetWindowModel = (conn: Connection) => conn.model<BudgetWindowDoc>('BudgetWindow', budgetWindowSchema);
