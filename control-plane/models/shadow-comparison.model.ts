import { Schema, type Connection } from 'mongoose';
import type { ShadowComparison } from '../../plugin/contract';

/**
 * One shadow call, as the shadow comparison report reads it: written when its
 * trace is ingested (idempotent by the shadow trace's id), apart from the
 * trace store so the report does not depend on how traces are kept.
 */
export interface ShadowComparisonDoc {
  /** The shadow call's trace id. */
  _id: string;
  /** The trace id of the client's request it shadowed. */
  primaryId: string;
  endpoint: string;
  time: Date;
  /** The shadow destination. */
  provider: string;
  model: string;
  status: number;
  errorCode?: string;
  runId?: string;
  /** Present when the shadow answered. */
  comparison?: ShadowComparison;
}

const shadowComparisonSchema = new Schema<ShadowComparisonDoc>(
  {
    _id: { type: String, required: true },
    primaryId: { type: String, required: true },
    endpoint: { type: String, required: true },
    time: { type: Date, required: true },
    provider: String,
    model: String,
    status: Number,
    errorCode: String,
    runId: String,
    comparison: Schema.Types.Mixed,
  },
  { collection: 'shadow_comparisons', versionKey: false, _id: false },
);
shadowComparisonSchema.index({ time: 1 });
shadowComparisonSchema.index({ endpoint: 1, time: 1 });

export const shadowComparisonModel = (conn: Connection) => conn.model<ShadowComparisonDoc>('ShadowComparison', shadowComparisonSchema);
