import { Schema, type Connection } from 'mongoose';

/**
 * Budget a data plane holds in one ledger window: a `slice` (admits many
 * requests locally) or a `reservation` (one request's maximum cost). The
 * granted amount is already in the window's `committed`; `used` is what the
 * data plane has reported as spent from it so far.
 *
 * Whoever deletes the lease document (the data plane returning it, or the
 * sweeper once it expired) gives `granted - used` back to the window, so it
 * is given back exactly once. `expiresAt` is set at grant; a live data plane
 * keeps its leases by renewing its heartbeat (budget-heartbeat.model.ts).
 */
export interface BudgetLeaseDoc {
  _id: string;
  kind: 'slice' | 'reservation';
  dataplaneId: string;
  policyId: string;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  granted: number;
  used: number;
  expiresAt: Date;
  createdAt: Date;
}

const budgetLeaseSchema = new Schema<BudgetLeaseDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    dataplaneId: { type: String, required: true },
    policyId: { type: String, required: true },
    subject: { type: String, default: '' },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
    granted: { type: Number, required: true },
    used: { type: Number, default: 0 },
    expiresAt: { type: Date, required: true },
    createdAt: Date,
  },
  { collection: 'budget_leases', versionKey: false, _id: false },
);
budgetLeaseSchema.index({ expiresAt: 1 });
budgetLeaseSchema.index({ dataplaneId: 1 });
budgetLeaseSchema.index({ policyId: 1, subject: 1, windowStart: 1 });

export const budgetLeaseModel = (conn: Connection) => conn.model<BudgetLeaseDoc>('BudgetLease', budgetLeaseSchema);
