// What a group of newly stored traces adds to the rollups: per document id,
// the cells to merge into its rows. Built per minute (per 10 minutes for
// families without minutes), then folded into the coarser documents (a fold
// per row, not per trace).
import type { Trace } from '../../../plugin/contract';
import { attributeTraceUsage } from './attribute-trace-usage';
import {
  FAMILY_NAMES,
  finestOf,
  GRANULARITIES,
  parseRollupId,
  RUN_FAMILIES,
  docIdFor,
  rollupId,
  rowKey,
  SHARDS,
  valuesOf,
  type Family,
  type Granularity,
  type LiveRow,
  type RollupLayout,
} from './rollup-layout';
import { addContribution, mergeCell, newCell } from './usage-cell';

export type DocRows = Map<string, LiveRow>;
/** Per document id, its rows; a function for those folded only when asked (`foldLater`). */
export type RollupDelta = Map<string, DocRows | (() => DocRows)>;

const MINUTE = GRANULARITIES[0].ms;

function rowIn(rows: DocRows, values: Array<string | null>, key = rowKey(values)): LiveRow {
  let row = rows.get(key);
  if (!row) rows.set(key, (row = { values, cell: newCell() }));
  return row;
}

function docRows(delta: Map<string, DocRows>, docId: string): DocRows {
  let rows = delta.get(docId);
  if (!rows) delta.set(docId, (rows = new Map<string, LiveRow>()));
  return rows;
}

/** The rows of `rows` summed by their values (pure; cells are not shared with them). */
function fold(rows: LiveRow[]): DocRows {
  const out: DocRows = new Map();
  for (const row of rows) mergeCell(rowIn(out, row.values).cell, row.cell);
  return out;
}

/**
 * `foldLater(family, g)`: documents of that family and granularity get a
 * function that folds their rows when called (the flusher calls it only for
 * documents that exist: those built from their hours, coarse-rollups.ts);
 * later levels of the family then fold from the last level folded now.
 */
export function planUsageRollups(traces: Trace[], layout: RollupLayout, foldLater?: (family: Family, g: Granularity['name']) => boolean): RollupDelta {
  const finest = new Map<string, DocRows>();
  // Per minute, each family's document id at its finest granularity, or for a sharded family its id per user (run): building ids is not free.
  const ids = new Map<number, Partial<Record<Family, string | Map<string | null, string>>>>();
  for (const t of traces) {
    const minute = Math.floor(Date.parse(t.time) / MINUTE) * MINUTE;
    let id = ids.get(minute);
    if (!id) ids.set(minute, (id = {}));
    for (const c of attributeTraceUsage(t)) {
      for (const family of FAMILY_NAMES) {
        if (RUN_FAMILIES.has(family) && c.dims.run === null) continue;
        const spec = SHARDS[family];
        const g = finestOf(family);
        const start = Math.floor(minute / g.ms) * g.ms;
        let docId: string;
        if (spec) {
          const value = c.dims[spec.by];
          const byValue = (id[family] ??= new Map<string | null, string>()) as Map<string | null, string>;
          docId = byValue.get(value) ?? docIdFor(family, g.name, start, value, layout);
          byValue.set(value, docId);
        } else docId = (id[family] ??= rollupId(family, g.name, start)) as string;
        addContribution(rowIn(docRows(finest, docId), valuesOf(family, c.dims)).cell, c);
      }
    }
  }
  // Each granularity folded from the one below it (minutes into 10 minutes, those into hours...), not every
  // granularity from the minutes: a row is merged once per level it is new in, not once per level.
  const delta: RollupDelta = new Map(finest);
  let finer = finest;
  for (const g of GRANULARITIES.slice(1)) {
    const coarser = new Map<string, DocRows>();
    const later = new Map<string, LiveRow[]>();
    for (const [id, rows] of finer) {
      const { family, g: level, start } = parseRollupId(id);
      // A family that starts at this granularity: its documents are already here.
      if (level === g.name) {
        coarser.set(id, rows);
        continue;
      }
      const coarseStart = Math.floor(start / g.ms) * g.ms;
      const deferred = foldLater?.(family, g.name) ?? false;
      // Folded later: the next level of the family folds from these same rows.
      if (deferred) coarser.set(id, rows);
      // A sharded family's coarser buckets may have more shards (rollup-layout.ts): each row goes to its user's (run's).
      const sharded = SHARDS[family] !== undefined;
      const coarse = sharded ? '' : rollupId(family, g.name, coarseStart);
      const targets = new Map<string | null, string>();
      for (const [key, row] of rows) {
        let target = coarse;
        if (sharded) {
          const value = row.values[0]!;
          target = targets.get(value) ?? docIdFor(family, g.name, coarseStart, value, layout);
          targets.set(value, target);
        }
        if (deferred) {
          const list = later.get(target);
          if (list) list.push(row);
          else later.set(target, [row]);
        } else mergeCell(rowIn(docRows(coarser, target), row.values, key).cell, row.cell);
      }
    }
    for (const [id, rows] of coarser) if (parseRollupId(id).g === g.name) delta.set(id, rows);
    for (const [id, rows] of later) {
      let folded: DocRows | undefined;
      delta.set(id, () => (folded ??= fold(rows)));
    }
    finer = coarser;
  }
  return delta;
}
