// Derived data kept by the ingest flusher (services/ingest-flusher.ts):
//   usage_rollups    one document per family, hour, 6-hour or day bucket:
//                    {_id: "t|h|2031-05-01T10:00Z", v, s, b: msgpack rows}
//   usage_minutes_YYYYMMDD  the same for minute and 10-minute buckets, per
//                    day (their retention is a collection drop)
//   ingest_journal   one document per ingest batch until its rollups and
//                    index pages are written: {_id: "<replica>:<seq>", r, n, at, b}
//   ingest_replicas  {_id: replica id, at}: heartbeats, so a replica knows
//                    whose journals are orphaned (their writer is gone)
//   retention_state  {_id, upTo}: how far the sweeper has deleted rollups
//   usage_layout     {_id: "q" | "u" | "p", since}: from when a change of the
//                    rollups' layout holds (services/usage/layout-marks.ts)
// Every read and write is by _id (see trace-store.model.ts).
import type { Connection, mongo } from 'mongoose';

/** A document the flusher rewrites: v counts versions (compare-and-set), s holds the last journal applied per replica. */
export interface BlobDoc {
  _id: string;
  v: number;
  s: Record<string, number>;
  b: mongo.Binary;
}

export interface JournalDoc {
  _id: string;
  r: string;
  n: number;
  at: Date;
  /** msgpack of [trace id, day partition] for every trace in the batch (FerretDB 1.x stores no nested arrays). */
  b: mongo.Binary;
}

export interface ReplicaDoc {
  _id: string;
  at: Date;
}

/** `partition`: where a day's minute rollups live (trace-store.model.ts); default a collection of the main database. */
export function usageStore(conn: Connection, partition?: (kind: 'usage_minutes', day: string, write: boolean) => mongo.Collection<BlobDoc>) {
  const db = () => conn.db!;
  return {
    rollups: () => db().collection<BlobDoc>('usage_rollups'),
    /** `write`: the caller is about to write to it. */
    minutes: (day: string, write = false) => (partition ? partition('usage_minutes', day, write) : db().collection<BlobDoc>(`usage_minutes_${day}`)),
    journal: () => db().collection<JournalDoc>('ingest_journal'),
    replicas: () => db().collection<ReplicaDoc>('ingest_replicas'),
    retention: () => db().collection<{ _id: string; upTo: number }>('retention_state'),
    layout: () => db().collection<{ _id: string; since: number }>('usage_layout'),
  };
}

export type UsageStore = ReturnType<typeof usageStore>;
