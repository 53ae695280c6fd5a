// An unordered insert of documents that may exist already (by _id): the
// positions refused as duplicates come back, any other failure is thrown.

interface BulkWriteFailure {
  code?: number;
  writeErrors?: Array<{ code?: number; index?: number }> | { code?: number; index?: number };
}

/** Positions an unordered insert refused as duplicates; throws on any other failure. */
function duplicatePositions(err: unknown): Set<number> {
  const failure = err as BulkWriteFailure;
  const writeErrors = failure.writeErrors === undefined ? [] : ([] as Array<{ code?: number; index?: number }>).concat(failure.writeErrors);
  if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000 || e.index === undefined)) throw err;
  return new Set(writeErrors.map((e) => e.index!));
}

export async function insertNew<T extends { _id: string }>(
  coll: { insertMany(docs: T[], o: { ordered: false }): Promise<unknown> },
  docs: T[],
): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await coll.insertMany(docs, { ordered: false });
    return new Set();
  } catch (err) {
    return duplicatePositions(err);
  }
}
