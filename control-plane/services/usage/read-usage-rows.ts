// Reads the rollup documents that exactly cover a window, coarsest first:
// whole days, then 6 hours, hours, 10-minute and minute buckets at the edges
// (no minutes for families that start at 10 minutes: widenToFamily first)
// (a day of users or runs not built yet: its six-hour documents; one of those
// not built yet: its hours; coarse-rollups.ts).
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { decodeBlob } from '../blob-docs';
import type { UsageRow } from './build-usage-report';
import {
  bucketIds,
  dimsOf,
  docIdFor,
  FAMILIES,
  finestOf,
  GRANULARITIES,
  isBuiltFromHours,
  rollupPartition,
  SHARDS,
  USER_PAIRS,
  type Family,
  type Granularity,
  type RollupLayout,
} from './rollup-layout';
import { partIdsOf } from './coarse-rollups';
import { rowsOf, type RowsBody } from './rollup-body';
import type { EncodedCell } from './usage-cell';
import { ceilTo, floorTo, type GroupBy, type UsageFilter, type UsageWindow } from './usage-query';

const MARGINAL: Record<GroupBy, Family> = { endpoint: 'E', provider: 'P', model: 'M', api: 'A', status: 'S', user: 'U', run: 'R' };

/**
 * The smallest family with every dimension the query groups or filters by
 * (and the value whose shard is read, if one). A grouping by user filtered on
 * the dimensions of a user pair reads it (the shard of the filtered value, or
 * every shard for a provider), when the window is one the pairs hold whole
 * (layout.userPairsSince).
 */
export function familyFor(
  groupBy: GroupBy | 'day' | undefined,
  filter: UsageFilter,
  window: UsageWindow,
  layout: RollupLayout,
): { family: Family; only?: string } {
  const filtered = (Object.keys(filter) as Array<keyof UsageFilter>).filter((k) => filter[k] !== undefined);
  if (filtered.length === 0) return { family: groupBy === undefined || groupBy === 'day' ? 'S' : MARGINAL[groupBy] };
  if (groupBy === 'run' || filter.run !== undefined) return { family: 'r', only: filter.run };
  if (groupBy === 'user' && filter.user === undefined && window.from.getTime() >= layout.userPairsSince) {
    // One that has every filtered dimension; of those, one whose shards are by a filtered value (one shard read).
    const covering = USER_PAIRS.filter((f) => filtered.every((k) => (FAMILIES[f] as readonly string[]).includes(k)));
    const pair = covering.find((f) => filter[FAMILIES[f][0] as keyof UsageFilter] !== undefined) ?? covering[0];
    if (pair) return { family: pair, only: filter[FAMILIES[pair][0] as keyof UsageFilter] };
  }
  if (groupBy === 'user' || filter.user !== undefined) return { family: 'u', only: filter.user };
  return { family: 't' };
}

/** The window widened to whole buckets of the family's finest granularity (10 minutes for users, runs and user pairs). */
export function widenToFamily(window: UsageWindow, family: Family): UsageWindow {
  const { ms } = finestOf(family);
  return { from: new Date(floorTo(window.from.getTime(), ms)), to: new Date(ceilTo(window.to.getTime(), ms)) };
}

/**
 * Buckets covering [from, to) exactly, none coarser than `coarsest` ms nor
 * finer than `finest` (both ends aligned to it), and six-hour ones only from
 * `sixHoursSince` on.
 */
export function coveringBuckets(
  window: UsageWindow,
  coarsest: number,
  sixHoursSince = 0,
  finest: Granularity = GRANULARITIES[0],
): Array<{ g: Granularity; start: number }> {
  const out: Array<{ g: Granularity; start: number }> = [];
  const to = window.to.getTime();
  const usable = (g: Granularity, t: number) =>
    g.ms >= finest.ms && g.ms <= coarsest && t % g.ms === 0 && t + g.ms <= to && (g.name !== 'q' || t >= sixHoursSince);
  for (let t = window.from.getTime(); t < to;) {
    const g = [...GRANULARITIES].reverse().find((x) => usable(x, t));
    if (!g) throw new Error(`${window.from.toISOString()}..${window.to.toISOString()} is not whole ${finest.name} buckets`);
    out.push({ g, start: t });
    t += g.ms;
  }
  return out;
}

const PARALLEL_READS = 16;

/** The rows of a family (the shard of one user or run, or all) over a window that pass the filter. */
export async function readUsageRows(
  collection: (partition: string) => mongo.Collection<BlobDoc>,
  source: { family: Family; only?: string },
  window: UsageWindow,
  coarsest: number,
  filter: UsageFilter,
  layout: RollupLayout,
): Promise<UsageRow[]> {
  const { family } = source;
  // Filtered dimensions by their position in the family's rows: rows are skipped before they are built.
  // A sharded family's documents keep each user's (or run's) rows apart: a filter on it decodes only those.
  const only = SHARDS[family] ? filter[FAMILIES[family][0] as keyof UsageFilter] : undefined;
  const checks = FAMILIES[family].flatMap((d, i) =>
    d in filter && filter[d as keyof UsageFilter] !== undefined ? [[i, filter[d as keyof UsageFilter]!] as const] : [],
  );
  let docs = coveringBuckets(window, coarsest, layout.sixHoursSince, finestOf(family)).flatMap((b) =>
    (SHARDS[family] && source.only !== undefined
      ? [docIdFor(family, b.g.name, b.start, source.only, layout)]
      : bucketIds(family, b.g.name, b.start, layout)
    ).map((id) => ({ id, t: b.start })),
  );
  const rows: UsageRow[] = [];
  while (docs.length > 0) {
    // A six-hour or day document of users or runs not built yet: its parts instead, read next (their rows keep the period's start).
    const unbuilt: typeof docs = [];
    for (let i = 0; i < docs.length; i += PARALLEL_READS) {
      const batch = docs.slice(i, i + PARALLEL_READS);
      const found = await Promise.all(batch.map(({ id }) => collection(rollupPartition(id)).findOne({ _id: id })));
      found.forEach((doc, j) => {
        const { id, t } = batch[j]!;
        if (!doc && isBuiltFromHours(id)) unbuilt.push(...partIdsOf(id).map((part) => ({ id: part, t })));
        for (const row of rowsOf(decodeBlob<RowsBody>(doc), only)) {
          const values = row.slice(0, -1) as Array<string | null>;
          if (checks.some(([k, want]) => values[k] !== want)) continue;
          rows.push({ t, dims: dimsOf(family, values), cell: row[row.length - 1] as EncodedCell });
        }
      });
    }
    docs = unbuilt;
  }
  return rows;
}
