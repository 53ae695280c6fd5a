// The body of a rollup document: its rows (rollup-layout.ts).
//
// Documents of the sharded families (a row per user, or run, and
// combination of the other dimensions) keep the rows of each user (or run)
// in a msgpack binary of their own: a query for one user decodes only that
// user's rows, not those of every user in the shard, and a flush re-encodes
// only the users it touched (the others' bytes are copied). Other families,
// and documents written before this form, hold the plain array of rows;
// both are read, and a sharded document takes the grouped form at its next
// write.
import { decode, Encoder } from '@msgpack/msgpack';
import { mergeCell, encodeCell, mergeEncodedCell, newCell, type EncodedCell } from './usage-cell';
import { rowKey, SHARDS, type Family, type LiveRow, type StoredRow } from './rollup-layout';

export type RowsBody = StoredRow[] | { g: Array<[key: string, rows: Uint8Array]> };

const encoder = new Encoder({ ignoreUndefined: true });

/** A body's stored bytes (msgpack), as BlobDocs writes them. */
export const encodeBody = (body: RowsBody): Uint8Array => encoder.encode(body);

/** The body's rows; `only`: just those whose first value (the user or run of a sharded family) is this. */
export function rowsOf(body: RowsBody | undefined, only?: string): StoredRow[] {
  if (!body) return [];
  if (Array.isArray(body)) return only === undefined ? body : body.filter((row) => row[0] === only);
  const out: StoredRow[] = [];
  for (const [key, bytes] of body.g) if (only === undefined || key === only) for (const row of decode(bytes) as StoredRow[]) out.push(row);
  return out;
}

/** Stored rows with the delta's rows merged in (pure: it may run again on a write conflict). */
function mergeFlat(stored: StoredRow[], delta: Iterable<[string, LiveRow]>): StoredRow[] {
  const out = new Map<string, StoredRow>();
  for (const row of stored) out.set(rowKey(row.slice(0, -1) as Array<string | null>), row);
  for (const [key, live] of delta) {
    const existing = out.get(key);
    let cell = live.cell;
    if (existing) {
      cell = newCell();
      mergeEncodedCell(cell, existing[existing.length - 1] as EncodedCell);
      mergeCell(cell, live.cell);
    }
    out.set(key, [...live.values, encodeCell(cell)]);
  }
  return [...out.values()];
}

/** A stored body (undefined: a new document) with the delta's rows merged in, in the family's form; pure. */
export function mergeBody(family: Family, stored: RowsBody | undefined, delta: Map<string, LiveRow>): RowsBody {
  if (!SHARDS[family]) return mergeFlat(rowsOf(stored), delta);
  // Grouped by the first value; an array body (an older document) is regrouped whole.
  const groups = new Map<string, Uint8Array | StoredRow[]>();
  if (Array.isArray(stored)) {
    for (const row of stored) {
      const key = row[0] as string;
      let rows = groups.get(key) as StoredRow[] | undefined;
      if (!rows) groups.set(key, (rows = []));
      rows.push(row);
    }
  } else if (stored) for (const [key, bytes] of stored.g) groups.set(key, bytes);
  const touched = new Map<string, Array<[string, LiveRow]>>();
  for (const entry of delta) {
    const key = entry[1].values[0] as string;
    let list = touched.get(key);
    if (!list) touched.set(key, (list = []));
    list.push(entry);
  }
  for (const [key, entries] of touched) {
    const rows = groups.get(key);
    groups.set(key, mergeFlat(rows === undefined ? [] : rows instanceof Uint8Array ? (decode(rows) as StoredRow[]) : rows, entries));
  }
  return { g: [...groups].map(([key, rows]) => [key, rows instanceof Uint8Array ? rows : encoder.encode(rows)]) };
}
