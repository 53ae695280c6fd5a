// Reads the rollup documents that exactly cover a window, coarsest first:
// whole days, then hours, 10-minute and minute buckets at the edges.
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { decodeBlob } from '../blob-docs';
import type { UsageRow } from './build-usage-report';
import { dimsOf, GRANULARITIES, rollupId, rollupPartition, type Family, type Granularity, type StoredRow } from './rollup-layout';
import type { EncodedCell } from './usage-cell';
import type { GroupBy, UsageFilter, UsageWindow } from './usage-query';

/** The smallest family that has every dimension the query groups or filters by. */
export function familyFor(groupBy: GroupBy | 'day' | undefined, filter: UsageFilter): Family {
  if (groupBy === 'run' || filter.run !== undefined) return 'r';
  if (groupBy === 'user' || filter.user !== undefined) return 'u';
  return 't';
}

/** Buckets covering [from, to) exactly, none coarser than `coarsest` ms (both ends aligned to a minute). */
export function coveringBuckets(window: UsageWindow, coarsest: number): Array<{ g: Granularity; start: number }> {
  const out: Array<{ g: Granularity; start: number }> = [];
  const to = window.to.getTime();
  for (let t = window.from.getTime(); t < to;) {
    const g = [...GRANULARITIES].reverse().find((x) => x.ms <= coarsest && t % x.ms === 0 && t + x.ms <= to) ?? GRANULARITIES[0];
    out.push({ g, start: t });
    t += g.ms;
  }
  return out;
}

const PARALLEL_READS = 16;

export async function readUsageRows(
  collection: (partition: string) => mongo.Collection<BlobDoc>,
  family: Family,
  window: UsageWindow,
  coarsest: number,
): Promise<UsageRow[]> {
  const buckets = coveringBuckets(window, coarsest);
  const rows: UsageRow[] = [];
  for (let i = 0; i < buckets.length; i += PARALLEL_READS) {
    const docs = await Promise.all(
      buckets.slice(i, i + PARALLEL_READS).map((b) => {
        const id = rollupId(family, b.g.name, b.start);
        return collection(rollupPartition(id)).findOne({ _id: id });
      }),
    );
    docs.forEach((doc, j) => {
      const t = buckets[i + j]!.start;
      for (const row of decodeBlob<StoredRow[]>(doc) ?? []) {
        const values = row.slice(0, -1) as Array<string | null>;
        rows.push({ t, dims: dimsOf(family, values), cell: row[row.length - 1] as EncodedCell });
      }
    });
  }
  return rows;
}
