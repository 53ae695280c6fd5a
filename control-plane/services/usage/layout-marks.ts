// Six-hour rollups ('q') came after hours and days: a database that already
// had rollups has none for its earlier buckets, and the one it was upgraded
// in holds only part of its hours. The first control plane to start records
// from when they are complete (the next 6-hour boundary, or forever on a
// database without rollups); reads use hours before that.
import type { UsageStore } from '../../models/usage-rollup.model';
import { isDuplicateKeyError } from '../mongo-errors';

export const SIX_HOURS_MS = 21_600_000;
const MARK = 'q';

/** Records (once per database) since when six-hour rollups are complete, and returns it. */
export async function markSixHourRollups(store: UsageStore, now: number): Promise<number> {
  const existing = await store.layout().findOne({ _id: MARK });
  if (existing) return existing.since;
  const hadRollups = (await store.rollups().findOne({}, { projection: { _id: 1 } })) !== null;
  const since = hadRollups ? Math.ceil(now / SIX_HOURS_MS) * SIX_HOURS_MS : 0;
  try {
    await store.layout().insertOne({ _id: MARK, since });
    return since;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return (await store.layout().findOne({ _id: MARK }))!.since;
  }
}

/** Since when six-hour rollups can be read (Infinity: not recorded yet, read hours). */
export async function sixHourRollupsSince(store: UsageStore): Promise<number> {
  return (await store.layout().findOne({ _id: MARK }))?.since ?? Infinity;
}
