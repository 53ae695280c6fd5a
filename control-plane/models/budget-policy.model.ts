import { Schema, type Connection } from 'mongoose';
import type { BudgetPolicy } from '../../plugin/contract';

export interface BudgetPolicyDoc extends Omit<BudgetPolicy, 'id'> {
  _id: string;
  /** Only for action "alert": where the once-per-window notification goes. */
  webhookUrl?: string;
  createdAt: Date;
  updatedAt: Date;
}

const budgetPolicySchema = new Schema<BudgetPolicyDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, unique: true },
    unit: { type: String, required: true },
    limit: { type: Number, required: true },
    window: Schema.Types.Mixed,
    action: { type: String, required: true },
    webhookUrl: String,
    scope: Schema.Types.Mixed,
    failOpen: { type: Boolean, default: false },
    version: { type: Number, required: true },
    createdAt: Date,
    updatedAt: Date,
  },
  { collection: 'budget_policies', versionKey: false, _id: false, minimize: false },
);

export const budgetPolicyModel = (conn: Connection) => conn.model<BudgetPolicyDoc>('BudgetPolicy', budgetPolicySchema);
