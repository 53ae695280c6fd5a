import { Schema, type Connection } from 'mongoose';

/**
 * A lock on one document's writes, held across processes (document-locks.ts).
 * It exists while held; `expiresAt` lets a writer take over the lock of a
 * holder that died.
 */
export interface WriteLockDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}

const writeLockSchema = new Schema<WriteLockDoc>(
  { _id: { type: String, required: true }, holder: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'write_locks', versionKey: false, _id: false },
);

export const writeLockModel = (conn: Connection) => conn.model<WriteLockDoc>('WriteLock', writeLockSchema);
