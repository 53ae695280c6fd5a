// The shape of the usage rollups: families of dimensions, time granularities,
// document ids, and the rows inside a document.
//
// Families keep documents small for the queries that do not need every
// dimension. One-dimension families (E, P, M, A, S, U, R) answer a grouping
// without filters from a handful of rows; `t` (traffic: every dimension but
// user and run) answers filtered ones; `u` adds the user and `r` the run (only
// requests of agent runs), both split into shards by user or run, so that a
// query for one user or run reads only that shard. Granularities: minute, 10
// minutes, hour, 6 hours, day, so any minute-aligned range is at most ~50
// documents, and a day that is not aligned at most 13 of the dense ones
// (hours and coarser, where every user and endpoint has a row).
import type { UsageDims } from './attribute-trace-usage';
import type { EncodedCell, UsageCell } from './usage-cell';

export const FAMILIES = {
  E: ['endpoint'],
  P: ['provider'],
  M: ['model'],
  A: ['api'],
  S: ['status'],
  U: ['user'],
  R: ['run'],
  t: ['endpoint', 'provider', 'model', 'api', 'status'],
  u: ['user', 'endpoint', 'provider', 'model', 'api', 'status'],
  r: ['run', 'user', 'endpoint', 'provider', 'model', 'api', 'status'],
} as const satisfies Record<string, ReadonlyArray<keyof UsageDims>>;
export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];

/** Families that keep only requests of agent runs. */
export const RUN_FAMILIES: ReadonlySet<Family> = new Set(['R', 'r']);
/** Families split into shards, by the dimension that names them. */
export const SHARDS: Partial<Record<Family, { by: 'user' | 'run'; count: number }>> = { u: { by: 'user', count: 8 }, r: { by: 'run', count: 8 } };

/** FNV-1a: a stable shard for a user or run id. */
export function shardOf(family: Family, value: string): number | undefined {
  const spec = SHARDS[family];
  if (!spec) return undefined;
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return (h >>> 0) % spec.count;
}

export const GRANULARITIES = [
  { name: 'm', ms: 60_000 },
  { name: 'x', ms: 600_000 },
  { name: 'h', ms: 3_600_000 },
  { name: 'q', ms: 21_600_000 },
  { name: 'd', ms: 86_400_000 },
] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const rollupId = (family: Family, g: Granularity['name'], startMs: number, shard?: number) =>
  `${family}|${g}|${new Date(startMs).toISOString()}${shard === undefined ? '' : `|${shard}`}`;

export interface RollupKey {
  family: Family;
  g: Granularity['name'];
  start: number;
  shard?: number;
}

/** The parts of a rollupId. */
export function parseRollupId(id: string): RollupKey {
  const [family, g, iso, shard] = id.split('|') as [Family, Granularity['name'], string, string | undefined];
  return { family, g, start: Date.parse(iso), ...(shard === undefined ? {} : { shard: Number(shard) }) };
}

/** Every document id of a bucket (all shards). */
export const bucketIds = (family: Family, g: Granularity['name'], startMs: number): string[] => {
  const spec = SHARDS[family];
  return spec ? Array.from({ length: spec.count }, (_, k) => rollupId(family, g, startMs, k)) : [rollupId(family, g, startMs)];
};

/** Minute and 10-minute documents live in their day's collection ("" for the shared one of hours and days). */
export function rollupPartition(id: string): string {
  const { g, start } = parseRollupId(id);
  return g === 'm' || g === 'x' ? new Date(start).toISOString().slice(0, 10).replace(/-/g, '') : '';
}

/** A row: the family's dimension values in FAMILIES order, then the cell. */
export type StoredRow = [...Array<string | null>, EncodedCell];

export interface LiveRow {
  values: Array<string | null>;
  cell: UsageCell;
}

export const valuesOf = (family: Family, dims: UsageDims): Array<string | null> => FAMILIES[family].map((d) => dims[d]);
/** Map key of a row's values (\u0001 cannot occur in them: null is \u0000). */
export const rowKey = (values: Array<string | null>) => values.map((v) => (v === null ? '\u0000' : v)).join('\u0001');

/** Dimensions of a stored row; the ones its family does not keep are never grouped or filtered on (see familyFor). */
export function dimsOf(family: Family, values: Array<string | null>): UsageDims {
  const dims: UsageDims = { endpoint: '', provider: null, model: null, user: '', api: '', status: null, run: null };
  FAMILIES[family].forEach((d, i) => ((dims as unknown as Record<string, string | null>)[d] = values[i] ?? null));
  return dims;
}
