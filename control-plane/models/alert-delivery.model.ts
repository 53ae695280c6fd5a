import { Schema, type Connection } from 'mongoose';

/**
 * One webhook notification of an "alert" budget policy, for one window (and
 * subject). `_id` is `<policyId>|<subject>|<windowStart ISO>`: the unique
 * insert is the claim, so the alert fires once per policy per window however
 * many replicas and data planes see the limit crossed.
 */
export interface AlertDeliveryDoc {
  _id: string;
  policyId: string;
  policyName: string;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  unit: 'usd' | 'tokens' | 'calls';
  /** Policy units (USD or tokens) when the limit was crossed. */
  spend: number;
  limit: number;
  webhookUrl: string;
  createdAt: Date;
  delivered: boolean;
  deliveredAt?: Date;
  attempts: number;
  nextAttemptAt: Date;
  /** A replica sending it holds it until then (no two replicas post at once). */
  lockedUntil: Date;
  lastStatus?: number;
  lastError?: string;
}

const alertDeliverySchema = new Schema<AlertDeliveryDoc>(
  {
    _id: { type: String, required: true },
    policyId: { type: String, required: true },
    policyName: String,
    subject: { type: String, default: '' },
    windowStart: Date,
    windowEnd: Date,
    unit: String,
    spend: Number,
    limit: Number,
    webhookUrl: String,
    createdAt: Date,
    delivered: { type: Boolean, default: false },
    deliveredAt: Date,
    attempts: { type: Number, default: 0 },
    nextAttemptAt: Date,
    lockedUntil: Date,
    lastStatus: Number,
    lastError: String,
  },
  { collection: 'alert_deliveries', versionKey: false, _id: false },
);
alertDeliverySchema.index({ delivered: 1, nextAttemptAt: 1 });

export const alertDeliveryModel = (conn: Connection) => conn.model<AlertDeliveryDoc>('AlertDelivery', alertDeliverySchema);
