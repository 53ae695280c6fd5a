import { Schema, type Connection } from 'mongoose';
import type { Trace } from '../../plugin/contract';

/** A Trace with its id as _id (idempotent ingest) and time as a Date (range queries). */
export interface TraceDoc extends Omit<Trace, 'id' | 'time'> {
  _id: string;
  time: Date;
}

const traceSchema = new Schema<TraceDoc>(
  {
    _id: { type: String, required: true },
    time: { type: Date, required: true },
    endpoint: String,
    kind: String,
    user: String,
    ingress: String,
    stream: Boolean,
    runId: String,
    status: Number,
    errorCode: String,
    provider: String,
    model: String,
    attempts: [Schema.Types.Mixed],
    usage: Schema.Types.Mixed,
    costUsd: Number,
    latencyMs: Number,
    overheadMs: Number,
    ttftMs: Number,
    traceparent: String,
    shadowTraceId: String,
    shadowOf: String,
    comparison: Schema.Types.Mixed,
    budget: Schema.Types.Mixed,
    request: String,
    response: String,
  },
  { collection: 'traces', versionKey: false, _id: false },
);
// Listing is newest first with _id as tie-breaker (cursor pagination).
traceSchema.index({ time: -1, _id: -1 });
traceSchema.index({ endpoint: 1, time: -1 });
traceSchema.index({ user: 1, time: -1 });

export const traceModel = (conn: Connection) => conn.model<TraceDoc>('Trace', traceSchema);
