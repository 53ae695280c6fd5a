// Where traces live. Per UTC day of the trace's time, three collections:
//   traces_YYYYMMDD         {_id: trace id, t: time, j: ingest journal id, b: msgpack of the rest, p?: has payloads}
//   trace_payloads_YYYYMMDD {_id: trace id, request?, response?}
//   trace_index_YYYYMMDD    list-index pages and their directories (services/trace-index)
// and the day's minute and 10-minute usage rollups (usage_minutes_YYYYMMDD,
// see usage-rollup.model.ts).
// Day collections make retention a collection drop (no per-document deletes)
// and keep every read a lookup by _id: the only query FerretDB 1.x answers
// from an index (see loaders/ferretdb.ts). The rest of the trace is one
// binary field because FerretDB stores each field as typed JSON, which costs
// twice the ingest time of one binary value.
import type { Connection, mongo } from 'mongoose';
import type { BlobDoc } from './usage-rollup.model';

export type TracePartitionKind = 'traces' | 'trace_payloads' | 'trace_index' | 'usage_minutes';
export const PARTITION_KINDS: TracePartitionKind[] = ['traces', 'trace_payloads', 'trace_index', 'usage_minutes'];

export interface StoredTrace {
  _id: string;
  t: Date;
  j: string;
  b: mongo.Binary;
  p?: true;
}

export interface StoredPayload {
  _id: string;
  request?: string;
  response?: string;
}

const DAY_MS = 86_400_000;

const dayKeys = new Map<number, string>();
/** "20310501" for any time on 2031-05-01 UTC. */
export function dayKey(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let key = dayKeys.get(day);
  if (key === undefined) {
    if (dayKeys.size > 10_000) dayKeys.clear();
    key = new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
    dayKeys.set(day, key);
  }
  return key;
}
export const dayStart = (key: string) => Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)));
export const previousDay = (key: string) => dayKey(dayStart(key) - DAY_MS);

const PARTITION = /^(traces|trace_payloads|trace_index|usage_minutes)_(\d{8})$/;

export function traceStore(conn: Connection) {
  const db = () => conn.db!;
  return {
    traces: (day: string) => db().collection<StoredTrace>(`traces_${day}`),
    payloads: (day: string) => db().collection<StoredPayload>(`trace_payloads_${day}`),
    index: (day: string) => db().collection<BlobDoc>(`trace_index_${day}`),
    /** Days that have a collection of this kind, newest first. */
    async days(kind: TracePartitionKind): Promise<string[]> {
      const names = await db().listCollections({}, { nameOnly: true }).toArray();
      return names
        .map((c) => PARTITION.exec(c.name))
        .filter((m): m is RegExpExecArray => m !== null && m[1] === kind)
        .map((m) => m[2]!)
        .sort()
        .reverse();
    },
    async drop(kind: TracePartitionKind, day: string): Promise<void> {
      await db()
        .collection(`${kind}_${day}`)
        .drop()
        .catch((err: unknown) => {
          const e = err as { codeName?: string; code?: number } | null;
          if (e?.codeName !== 'NamespaceNotFound' && e?.code !== 26) throw err;
        });
    },
    /** The collection of traces written before day partitions (read once by the migration, then dropped). */
    legacy: () => db().collection('traces'),
  };
}

export type TraceStore = ReturnType<typeof traceStore>;
