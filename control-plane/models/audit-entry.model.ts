import { Schema, type Connection } from 'mongoose';
import type { AuditChange } from '../services/audit-diff';

/** One admin change. `summary` is written by services and never holds secret values. */
export interface AuditEntryDoc {
  _id: string;
  time: Date;
  actor: string;
  role: string;
  action: string;
  target: { type: string; id: string; name?: string };
  summary?: string;
  /** What changed, field by field (never secret values). */
  changes?: AuditChange[];
  requestId?: string;
}

const auditEntrySchema = new Schema<AuditEntryDoc>(
  {
    _id: { type: String, required: true },
    time: { type: Date, required: true },
    actor: String,
    role: String,
    action: String,
    target: { type: { type: String }, id: String, name: String },
    summary: String,
    changes: { type: Schema.Types.Mixed, default: undefined },
    requestId: String,
  },
  { collection: 'audit_log', versionKey: false, _id: false },
);
auditEntrySchema.index({ time: -1, _id: -1 });

export const auditEntryModel = (conn: Connection) => conn.model<AuditEntryDoc>('AuditEntry', auditEntrySchema);
