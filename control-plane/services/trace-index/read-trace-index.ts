// Lists index entries newest first for a filter, a time window and a cursor,
// reading a day's directory and then its pages in order of their newest
// entry, only until the answer is complete.
import type { mongo } from 'mongoose';
import { dayKey } from '../../models/trace-store.model';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { decodeBlob } from '../blob-docs';
import { directoryId, entryMatches, newestFirst, streamFor, type DirectoryPage, type IndexEntry, type TraceFilter } from './plan-trace-index';

export interface IndexQuery {
  filter: TraceFilter;
  /** Inclusive lower bound (ms). */
  from: number;
  /** Exclusive upper bound (ms). */
  to: number;
  /** Only entries strictly after this one in newest-first order. */
  after?: { time: number; id: string };
  /** Stop after this many entries. */
  want: number;
}

const before = (e: IndexEntry, c: { time: number; id: string }) => e[0] < c.time || (e[0] === c.time && e[1] < c.id);

export async function readTraceIndex(index: (day: string) => mongo.Collection<BlobDoc>, days: string[], q: IndexQuery): Promise<IndexEntry[]> {
  const stream = streamFor(q.filter);
  const upper = q.after ? Math.min(q.to, q.after.time + 1) : q.to;
  const keep = (e: IndexEntry) => e[0] >= q.from && e[0] < q.to && (!q.after || before(e, q.after)) && entryMatches(e, q.filter);
  const out: IndexEntry[] = [];
  const newestDay = dayKey(upper - 1);
  const oldestDay = dayKey(q.from);
  for (const day of days) {
    if (day > newestDay) continue;
    if (day < oldestDay || out.length >= q.want) break;
    const coll = index(day);
    const pages = (decodeBlob<DirectoryPage[]>(await coll.findOne({ _id: directoryId(stream) })) ?? [])
      .filter((p) => p.min < upper && p.max >= q.from)
      .sort((a, b) => b.max - a.max);
    // Entries newer than every unread page's newest entry are final.
    let loaded: IndexEntry[] = [];
    for (let i = 0; out.length < q.want;) {
      const horizon = i < pages.length ? pages[i]!.max : -Infinity;
      loaded.sort(newestFirst);
      let k = 0;
      while (k < loaded.length && loaded[k]![0] > horizon && out.length < q.want) out.push(loaded[k++]!);
      loaded = loaded.slice(k);
      if (i >= pages.length) break;
      // One page first (the newest usually holds a whole answer), then two at a time.
      const batch = pages.slice(i, i + (i === 0 ? 1 : 2));
      i += batch.length;
      const docs = await Promise.all(batch.map((p) => coll.findOne({ _id: p.id })));
      for (const d of docs) loaded.push(...(decodeBlob<IndexEntry[]>(d) ?? []).filter(keep));
    }
  }
  return out.slice(0, q.want);
}
