// The list index of traces. Per day partition and per stream (every trace,
// or those of one endpoint, user, provider or status): append-only pages of
// up to PAGE_CAP entries, and a directory listing each page with the time
// range of its entries. Listing newest first reads the directory, then pages
// in order of their newest entry, only as many as the answer needs; traces
// arrive roughly in time order, so pages barely overlap, and a late trace
// only widens the range of the page it joins.
import type { Trace } from '../../../plugin/contract';
import { dayKey } from '../../models/trace-store.model';

export const PAGE_CAP = 1_000;

/** [time ms, trace id, endpoint, user, provider (null: none served it), status] */
export type IndexEntry = [number, string, string, string, string | null, number];

/** A page in a directory: id, oldest and newest entry time, entry count. */
export interface DirectoryPage {
  id: string;
  min: number;
  max: number;
  n: number;
}

export interface TraceFilter {
  endpoint?: string;
  user?: string;
  provider?: string;
  status?: number;
}

const enc = encodeURIComponent;

/** The stream a listing reads: the most selective filter it has. */
export function streamFor(f: TraceFilter): string {
  if (f.user !== undefined) return `u:${enc(f.user)}`;
  if (f.endpoint !== undefined) return `e:${enc(f.endpoint)}`;
  if (f.status !== undefined) return `s:${f.status}`;
  if (f.provider !== undefined) return `p:${enc(f.provider)}`;
  return '*';
}

export const entryMatches = (e: IndexEntry, f: TraceFilter) =>
  (f.endpoint === undefined || e[2] === f.endpoint) &&
  (f.user === undefined || e[3] === f.user) &&
  (f.provider === undefined || e[4] === f.provider) &&
  (f.status === undefined || e[5] === f.status);

export const directoryId = (stream: string) => `d|${stream}`;
/** Pages are named by the journal group that opened them, so a page left by a failed write is never reused. */
export const pageId = (stream: string, replica: string, journal: number, k: number) => `p|${stream}|${replica}:${journal}|${k}`;
export const isOwnPage = (id: string, replica: string) => id.includes(`|${replica}:`);

/** day -> stream -> entries to add */
export type IndexPlan = Map<string, Map<string, IndexEntry[]>>;

export function planTraceIndex(traces: Trace[]): IndexPlan {
  const plan: IndexPlan = new Map();
  for (const t of traces) {
    const time = Date.parse(t.time);
    const entry: IndexEntry = [time, t.id, t.endpoint, t.user, t.provider ?? null, t.status];
    const day = dayKey(time);
    let streams = plan.get(day);
    if (!streams) plan.set(day, (streams = new Map<string, IndexEntry[]>()));
    for (const stream of ['*', `e:${enc(t.endpoint)}`, `u:${enc(t.user)}`, `s:${t.status}`, ...(t.provider ? [`p:${enc(t.provider)}`] : [])]) {
      const list = streams.get(stream);
      if (list) list.push(entry);
      else streams.set(stream, [entry]);
    }
  }
  return plan;
}

/** Newest first; ties by id, descending (the cursor order). */
export const newestFirst = (a: IndexEntry, b: IndexEntry) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0);
