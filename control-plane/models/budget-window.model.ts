import { Schema, type Connection } from 'mongoose';

/**
 * Spend of one budget policy in one UTC-aligned window, one document per
 * (policyId, subject, windowStart). `subject` is "" for global/endpoint
 * policies and fixed-user policies, and the user id for per-user policies
 * (scope {type:"user"} without a user), so every user gets their own window.
 *
 * Concurrency contract (for the data-plane reservation operations): every
 * change is ONE atomic single-document update, never read-modify-write:
 *   - open a window:  updateOne({policyId, subject, windowStart}, {$setOnInsert: {...zeros, windowEnd}}, {upsert: true})
 *   - reserve:        findOneAndUpdate({..key, <spent+reserved+amount <= limit expressed as a condition>}, {$inc: {reservedUsd: x}})
 *   - settle:         $inc {reservedUsd: -x, spentUsd: actual} in one update
 * Two first upserts of the same window race on the unique key: retry the
 * loser once; detect it with isDuplicateKeyError() (services/mongo-errors.ts),
 * because FerretDB reports update-caused violations as code 1, not 11000.
 * No transactions and no TTL indexes: FerretDB 1.x supports neither. Old
 * windows are kept as history (and can be pruned by windowEnd).
 */
export interface BudgetWindowDoc {
  policyId: string;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
  /** Set once when an "alert" policy's webhook fired for this window. */
  alertedAt?: Date;
  updatedAt: Date;
}

const budgetWindowSchema = new Schema<BudgetWindowDoc>(
  {
    policyId: { type: String, required: true },
    subject: { type: String, default: '' },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
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
