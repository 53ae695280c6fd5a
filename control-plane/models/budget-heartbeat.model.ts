import { Schema, type Connection } from 'mongoose';

/**
 * One per data plane holding budget leases: renewing is one write to this
 * document (never to the lease documents, whose `used` counter only the
 * ledger's settlement writes). A lease expires when both its own
 * `expiresAt` (set at grant) and its data plane's heartbeat have passed.
 */
export interface BudgetHeartbeatDoc {
  _id: string;
  expiresAt: Date;
}

const budgetHeartbeatSchema = new Schema<BudgetHeartbeatDoc>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'budget_heartbeats', versionKey: false, _id: false },
);

export const budgetHeartbeatModel = (conn: Connection) => conn.model<BudgetHeartbeatDoc>('BudgetHeartbeat', budgetHeartbeatSchema);
