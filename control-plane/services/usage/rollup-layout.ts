// The shape of the usage rollups: families of dimensions, time granularities,
// document ids, and the rows inside a document.
//
// Families keep documents small for the queries that do not need every
// dimension. One-dimension families (E, P, M, A, S, U, R) answer a grouping
// without filters from a handful of rows; `t` (traffic: every dimension but
// user and run) answers filtered ones; `u` adds the user and `r` the run (only
// requests of agent runs), both split into shards by user or run, so that a
// query for one user or run reads only that shard. The user pairs (eu, mu)
// answer a grouping by user filtered by endpoint, or by model or provider
// ("who uses endpoint chat"): rows of those dimensions and the user only,
// their hours and coarser split into shards by the first, so such a query
// reads one small document per bucket (a provider filter: every shard of
// mu, a few models' rows each), not every user's shard of `u` with every
// combination of the dimensions. Granularities: minute, 10
// minutes, hour, 6 hours, day, so any minute-aligned range is at most ~50
// documents, and a day that is not aligned at most 13 of the dense ones
// (hours and coarser, where every user and endpoint has a row). Users, runs
// and the user pairs start at 10 minutes (TEN_MINUTE_FAMILIES).
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
  eu: ['endpoint', 'user'],
  mu: ['model', 'provider', 'user'],
} as const satisfies Record<string, ReadonlyArray<keyof UsageDims>>;
export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];

/** Families of a filtered dimension (the first, their shard) and the user: see familyFor. */
export const USER_PAIRS = ['eu', 'mu'] as const satisfies ReadonlyArray<Family>;

/**
 * Families with no minute buckets: their finest is 10 minutes, and a query
 * that reads them is counted by whole 10 minutes (the answer says which
 * window). A minute of a user's or run's rows holds one request per row
 * (the same requests again at 10 minutes and at the hour): those minute rows
 * were 42 % of all rows written, and their planning, merging and storing
 * capped ingest (bench/RESULTS.md §37).
 */
export const TEN_MINUTE_FAMILIES: ReadonlySet<Family> = new Set<Family>(['u', 'r', ...USER_PAIRS]);

/** The family's finest granularity (its rows are planned there first, then folded into the coarser ones). */
export const finestOf = (family: Family): Granularity => (TEN_MINUTE_FAMILIES.has(family) ? GRANULARITIES[1] : GRANULARITIES[0]);

/** Families that keep only requests of agent runs. */
export const RUN_FAMILIES: ReadonlySet<Family> = new Set(['R', 'r']);
/**
 * Families split into shards, by the dimension that names them. Hours and
 * coarser documents of users are dense (every user has rows in every
 * hour): from the layout mark on (`userShardsSince`) they are split into
 * `denseCount` shards, so that a query for one user reads a document of one
 * or two users, not of a dozen (FerretDB reads, converts and sends a whole
 * document whatever the projection). Minutes and 10 minutes keep `count`:
 * a flush touches every shard of them.
 */
export const SHARDS: Partial<Record<Family, { by: keyof UsageDims; count: number; denseCount?: number; denseSince?: keyof RollupLayout }>> = {
  u: { by: 'user', count: 8, denseCount: 64, denseSince: 'userShardsSince' },
  r: { by: 'run', count: 8 },
  // A minute of the pairs is a few rows per user: one document; hours and coarser hold every user.
  ...Object.fromEntries(USER_PAIRS.map((f) => [f, { by: FAMILIES[f][0], count: 1, denseCount: 8 }])),
};

/** The families whose six-hour and day documents are built from their hours, coarse-rollups.ts (the user pairs' too: a hundred users' rows each). */
export const BUILT_FAMILIES: ReadonlyArray<Family> = ['u', 'r', ...USER_PAIRS];
const BUILT: ReadonlySet<string> = new Set(BUILT_FAMILIES);
const BUILT_GRANULARITIES: ReadonlySet<string> = new Set(['q', 'd']);

/** Whether documents of the family and granularity are built from their hours (six-hour and day ones of users, runs and user pairs). */
export const isBuiltLevel = (family: Family, g: string): boolean => BUILT.has(family) && BUILT_GRANULARITIES.has(g);

/** Whether the document is one built from its hours (a six-hour or day one of a BUILT_FAMILIES family). */
export function isBuiltFromHours(id: string): boolean {
  const { family, g } = parseRollupId(id);
  return isBuiltLevel(family, g);
}

/** Since when documents of which layout the rollups hold (usage-layout-marks.ts). */
export interface RollupLayout {
  /** Six-hour buckets exist from here on (hours are read before it). */
  sixHoursSince: number;
  /** Hours and coarser buckets of users are split into SHARDS.u.denseCount shards from here on (a day boundary). */
  userShardsSince: number;
  /** The user pairs (USER_PAIRS) hold every request from here on (a day boundary): grouping by user with a filter reads them. */
  userPairsSince: number;
}

/** Every bucket in the current layout (a database that had no rollups before these marks). */
export const CURRENT_LAYOUT: RollupLayout = { sixHoursSince: 0, userShardsSince: 0, userPairsSince: 0 };
/** The layout before every recorded change (what a database written by an older version holds). */
export const FIRST_LAYOUT: RollupLayout = { sixHoursSince: Infinity, userShardsSince: Infinity, userPairsSince: Infinity };

/** How many shards a bucket of the family is split into (undefined: not sharded). */
export function shardCount(family: Family, g: Granularity['name'], start: number, layout: RollupLayout): number | undefined {
  const spec = SHARDS[family];
  if (!spec) return undefined;
  const dense = spec.denseCount !== undefined && g !== 'm' && g !== 'x' && (spec.denseSince === undefined || start >= layout[spec.denseSince]);
  return dense ? spec.denseCount : spec.count;
}

/** FNV-1a: a stable shard for a user, run id or other value (the family's first), of `count`. */
export function shardOf(value: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return (h >>> 0) % count;
}

/** The id of the bucket's document that holds `value`'s rows (the first value of a sharded family's rows; ignored otherwise). */
export function docIdFor(family: Family, g: Granularity['name'], start: number, value: string | null, layout: RollupLayout): string {
  const count = shardCount(family, g, start, layout);
  return rollupId(family, g, start, count === undefined ? undefined : shardOf(value ?? '', count));
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
export const bucketIds = (family: Family, g: Granularity['name'], startMs: number, layout: RollupLayout): string[] => {
  const count = shardCount(family, g, startMs, layout);
  return count !== undefined ? Array.from({ length: count }, (_, k) => rollupId(family, g, startMs, k)) : [rollupId(family, g, startMs)];
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
