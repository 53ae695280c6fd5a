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
/** Per document id, its rows; null for one built from its hours (`builtLater`): the group only touches its period. */
export type RollupDelta = Map<string, DocRows | null>;

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

/**
 * `builtLater(family, g)`: documents of that family and granularity are
 * built from their hours once their period is quiet (coarse-rollups.ts), not
 * written by a flush: they are listed without rows (null), so the flusher
 * knows which periods the group touches; later levels of the family then
 * take their ids from the last level folded.
 */
export function planUsageRollups(traces: Trace[], layout: RollupLayout, builtLater?: (family: Family, g: Granularity['name']) => boolean): RollupDelta {
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
    for (const [id, rows] of finer) {
      const { family, g: level, start } = parseRollupId(id);
      // A family that starts at this granularity: its documents are already here.
      if (level === g.name) {
        coarser.set(id, rows);
        continue;
      }
      const coarseStart = Math.floor(start / g.ms) * g.ms;
      const built = builtLater?.(family, g.name) ?? false;
      // Built later: the next level of the family takes its ids from these same rows.
      if (built) coarser.set(id, rows);
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
        if (built) delta.set(target, null);
        else mergeCell(rowIn(docRows(coarser, target), row.values, key).cell, row.cell);
      }
    }
    for (const [id, rows] of coarser) if (parseRollupId(id).g === g.name) delta.set(id, rows);
    finer = coarser;
  }
  return delta;
}
