// Where traces live. Per UTC day of the trace's time, three collections:
//   traces_YYYYMMDD         {_id: trace id, t: time, j: ingest journal id, b: msgpack of the rest, p?: has payloads}
//   trace_payloads_YYYYMMDD {_id: trace id, request?, response?}
//   trace_index_YYYYMMDD    list-index pages and their directories (services/trace-index)
// and the day's minute and 10-minute usage rollups (usage_minutes_YYYYMMDD,
// see usage-rollup.model.ts).
// Day collections make retention a collection drop (no per-document deletes)
// and keep every read a lookup by _id: the only query FerretDB 1.x answers
// from an index (see loaders/ferretdb.ts). On FerretDB each of them is the
// only collection of its own database (`<db>_traces_YYYYMMDD`: its own SQLite
// file), because FerretDB drops a collection with SQLite's DROP TABLE, which
// visits every page of the table while FerretDB holds its global lock
// (measured on a loaded machine: 49.6 s for a day of 100k traces, ingest
// -67 % meanwhile), and drops a database by deleting its file. Days that an older version stored in the main database
// stay there until they expire. The rest of the trace is one
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

const notFound = (err: unknown) => {
  const e = err as { codeName?: string; code?: number } | null;
  if (e?.codeName !== 'NamespaceNotFound' && e?.code !== 26) throw err;
};

export function traceStore(conn: Connection) {
  const db = () => conn.db!;
  /** Set by init(): day partitions in databases of their own (FerretDB), and the ones an older version left in the main database. */
  let ownDatabases = false;
  const inMain = new Set<string>();
  /**
   * Partitions in databases of their own: listed once by init(), then kept
   * by this process (FerretDB runs one control plane; its listDatabases
   * computes every database's size, too slow for each trace listing).
   */
  const own = new Set<string>();
  const ownDb = (name: string) => conn.getClient().db(`${db().databaseName}_${name}`);
  const ownName = (dbName: string) => {
    const prefix = `${db().databaseName}_`;
    return dbName.startsWith(prefix) ? dbName.slice(prefix.length) : undefined;
  };
  /** `write`: the caller is about to write to it (which creates it). */
  const partition = <T extends object>(kind: TracePartitionKind, day: string, write = false): mongo.Collection<T> => {
    const name = `${kind}_${day}`;
    if (!ownDatabases || inMain.has(name)) return db().collection<T>(name);
    if (write) own.add(name);
    return ownDb(name).collection<T>(name);
  };
  return {
    /** Learns where day partitions live; before it, they are collections of the main database. */
    async init(): Promise<void> {
      const info = await db().admin().command({ buildInfo: 1 });
      // FerretDB's database names are at most 63 characters: `_trace_payloads_YYYYMMDD` takes 24.
      ownDatabases = ('ferretdbVersion' in info || 'ferretdb' in info) && db().databaseName.length <= 39;
      for (const c of await db().listCollections({}, { nameOnly: true }).toArray()) if (PARTITION.test(c.name)) inMain.add(c.name);
      if (!ownDatabases) return;
      const { databases } = await db().admin().listDatabases({ nameOnly: true });
      for (const d of databases) {
        const name = ownName(d.name);
        if (name && PARTITION.test(name)) own.add(name);
      }
    },
    partition,
    traces: (day: string, write = false) => partition<StoredTrace>('traces', day, write),
    payloads: (day: string, write = false) => partition<StoredPayload>('trace_payloads', day, write),
    index: (day: string, write = false) => partition<BlobDoc>('trace_index', day, write),
    /** Days that have a collection of this kind, newest first. */
    async days(kind: TracePartitionKind): Promise<string[]> {
      const names = [...(await db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name), ...own];
      const days = names
        .map((name) => PARTITION.exec(name))
        .filter((m): m is RegExpExecArray => m !== null && m[1] === kind)
        .map((m) => m[2]!);
      return [...new Set(days)].sort().reverse();
    },
    async drop(kind: TracePartitionKind, day: string): Promise<void> {
      const name = `${kind}_${day}`;
      await db().collection(name).drop().catch(notFound);
      inMain.delete(name);
      if (ownDatabases) await ownDb(name).dropDatabase();
      own.delete(name);
    },
    /** The collection of traces written before day partitions (read once by the migration, then dropped). */
    legacy: () => db().collection('traces'),
  };
}

export type TraceStore = ReturnType<typeof traceStore>;
