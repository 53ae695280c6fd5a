/**
 * True for unique-index violations. MongoDB (and FerretDB on insert) report
 * code 11000; FerretDB 1.24 on SQLite reports a violation caused by an UPDATE
 * (findOneAndUpdate, updateOne, upserts) as code 1 "InternalError" with
 * "UNIQUE constraint failed" in the message, so that is recognised too.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code === 11000) return true;
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}
