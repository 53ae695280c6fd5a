// Changes of the rollups' layout, and from when each holds. A database that
// already had rollups when a control plane of a newer layout first started
// holds the older layout before some time: the first control plane to start
// records, per change, from which boundary on the new layout is complete (or
// forever, 0, on a database without rollups); reads and writes use the
// older layout before it.
//   q: six-hour buckets (came after hours and days): from the next six-hour
//      boundary; hours are read before it.
//   u: hours and coarser buckets of users in SHARDS.u.denseCount shards: from
//      the next day boundary (a day's six-hour and hour parts are then in
//      the same layout as the day).
//   p: the user pairs (USER_PAIRS: eu, mu): from the next day boundary, since
//      they are written from then on (a grouping by user with a filter
//      reads `u` for any earlier part of a window).
import type { UsageStore } from '../../models/usage-rollup.model';
import { isDuplicateKeyError } from '../mongo-errors';
import type { RollupLayout } from './rollup-layout';

export const SIX_HOURS_MS = 21_600_000;
const DAY_MS = 86_400_000;
const MARKS = {
  q: { field: 'sixHoursSince', boundary: SIX_HOURS_MS },
  u: { field: 'userShardsSince', boundary: DAY_MS },
  p: { field: 'userPairsSince', boundary: DAY_MS },
} as const;
type Mark = keyof typeof MARKS;

async function mark(store: UsageStore, id: Mark, now: number, hadRollups: () => Promise<boolean>): Promise<number> {
  const existing = await store.layout().findOne({ _id: id });
  if (existing) return existing.since;
  const boundary = MARKS[id].boundary;
  const since = (await hadRollups()) ? Math.ceil(now / boundary) * boundary : 0;
  try {
    await store.layout().insertOne({ _id: id, since });
    return since;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return (await store.layout().findOne({ _id: id }))!.since;
  }
}

/** Records (once per database and change) since when each layout change holds, and returns the layout. */
export async function markRollupLayout(store: UsageStore, now: number): Promise<RollupLayout> {
  let had: Promise<boolean> | undefined;
  const hadRollups = () =>
    (had ??= store
      .rollups()
      .findOne({}, { projection: { _id: 1 } })
      .then((d) => d !== null));
  const layout = {} as Record<(typeof MARKS)[Mark]['field'], number>;
  for (const id of Object.keys(MARKS) as Mark[]) layout[MARKS[id].field] = await mark(store, id, now, hadRollups);
  return layout;
}

/** The recorded layout; undefined until the flusher has recorded it (read the older layout meanwhile: nothing newer is written before). */
export async function readRollupLayout(store: UsageStore): Promise<RollupLayout | undefined> {
  const marks = new Map((await store.layout().find({}).toArray()).map((m) => [m._id, m.since]));
  const layout = {} as Record<(typeof MARKS)[Mark]['field'], number>;
  for (const id of Object.keys(MARKS) as Mark[]) {
    const since = marks.get(id);
    if (since === undefined) return undefined;
    layout[MARKS[id].field] = since;
  }
  return layout;
}
