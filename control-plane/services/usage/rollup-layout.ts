// The shape of the usage rollups: families of dimensions, time granularities,
// document ids, and the rows inside a document.
//
// Families keep documents small for the queries that do not need every
// dimension: `t` (traffic) has no user or run, `u` adds the user, `r` holds
// only requests of agent runs, by run and user. Granularities: minute, 10
// minutes, hour, day, so any minute-aligned range is at most ~50 documents.
import type { UsageDims } from './attribute-trace-usage';
import type { EncodedCell, UsageCell } from './usage-cell';

export const FAMILIES = {
  t: ['endpoint', 'provider', 'model', 'api', 'status'],
  u: ['user', 'endpoint', 'provider', 'model', 'api', 'status'],
  r: ['run', 'user', 'endpoint', 'provider', 'model', 'api', 'status'],
} as const satisfies Record<string, ReadonlyArray<keyof UsageDims>>;
export type Family = keyof typeof FAMILIES;

export const GRANULARITIES = [
  { name: 'm', ms: 60_000 },
  { name: 'x', ms: 600_000 },
  { name: 'h', ms: 3_600_000 },
  { name: 'd', ms: 86_400_000 },
] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const rollupId = (family: Family, g: Granularity['name'], startMs: number) => `${family}|${g}|${new Date(startMs).toISOString()}`;

/** Minute and 10-minute documents live in their day's collection ("" for the shared one of hours and days). */
export function rollupPartition(id: string): string {
  const [, g, iso] = id.split('|') as [string, string, string];
  return g === 'm' || g === 'x' ? iso.slice(0, 10).replace(/-/g, '') : '';
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
