// What a group of newly stored traces adds to the rollups: per document id,
// the cells to merge into its rows. Built per minute, then folded into the
// 10-minute, hour and day documents (a fold per row, not per trace).
import type { Trace } from '../../../plugin/contract';
import { attributeTraceUsage } from './attribute-trace-usage';
import {
  FAMILY_NAMES,
  GRANULARITIES,
  parseRollupId,
  RUN_FAMILIES,
  docIdFor,
  rollupId,
  rowKey,
  SHARDS,
  valuesOf,
  type Family,
  type LiveRow,
  type RollupLayout,
} from './rollup-layout';
import { addContribution, mergeCell, newCell } from './usage-cell';

export type RollupDelta = Map<string, Map<string, LiveRow>>;

const MINUTE = GRANULARITIES[0].ms;

function rowIn(delta: RollupDelta, docId: string, values: Array<string | null>): LiveRow {
  let rows = delta.get(docId);
  if (!rows) delta.set(docId, (rows = new Map<string, LiveRow>()));
  const key = rowKey(values);
  let row = rows.get(key);
  if (!row) rows.set(key, (row = { values, cell: newCell() }));
  return row;
}

export function planUsageRollups(traces: Trace[], layout: RollupLayout): RollupDelta {
  const minutes: RollupDelta = new Map();
  const ids = new Map<number, Partial<Record<Family, string>>>();
  for (const t of traces) {
    const minute = Math.floor(Date.parse(t.time) / MINUTE) * MINUTE;
    let id = ids.get(minute);
    if (!id) ids.set(minute, (id = {}));
    for (const c of attributeTraceUsage(t)) {
      for (const family of FAMILY_NAMES) {
        if (RUN_FAMILIES.has(family) && c.dims.run === null) continue;
        const spec = SHARDS[family];
        const docId = spec ? docIdFor(family, 'm', minute, c.dims[spec.by], layout) : (id[family] ??= rollupId(family, 'm', minute));
        addContribution(rowIn(minutes, docId, valuesOf(family, c.dims)).cell, c);
      }
    }
  }
  // Each granularity folded from the one below it (minutes into 10 minutes, those into hours...), not every
  // granularity from the minutes: a row is merged once per level it is new in, not once per level.
  const delta: RollupDelta = new Map(minutes);
  let finer = minutes;
  for (const g of GRANULARITIES.slice(1)) {
    const coarser: RollupDelta = new Map();
    for (const [id, rows] of finer) {
      const { family, start } = parseRollupId(id);
      const coarseStart = Math.floor(start / g.ms) * g.ms;
      // A sharded family's coarser buckets may have more shards (rollup-layout.ts): each row goes to its user's (run's).
      const sharded = SHARDS[family] !== undefined;
      const coarse = sharded ? '' : rollupId(family, g.name, coarseStart);
      for (const row of rows.values()) {
        const target = sharded ? docIdFor(family, g.name, coarseStart, row.values[0]!, layout) : coarse;
        mergeCell(rowIn(coarser, target, row.values).cell, row.cell);
      }
    }
    for (const [id, rows] of coarser) delta.set(id, rows);
    finer = coarser;
  }
  return delta;
}
