// Turns usage rows (a time bucket, its dimensions, a stored cell) into the
// API's summary groups or chart series.
import type { UsageDims } from './attribute-trace-usage';
import { figures, mergeEncodedCell, newCell, type EncodedCell, type UsageCell, type UsageFigures } from './usage-cell';
import { floorTo, INTERVAL_MS, isProviderView, matches, type GroupBy, type Interval, type UsageFilter, type UsageWindow } from './usage-query';

export interface UsageRow {
  /** Start of the row's bucket (ms); the bucket lies inside the queried window. */
  t: number;
  dims: UsageDims;
  cell: EncodedCell;
}

type Key = string | null;

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

function keyOf(row: UsageRow, groupBy: GroupBy | 'day' | 'total'): Key {
  if (groupBy === 'total') return 'total';
  if (groupBy === 'day') return dayOf(row.t);
  return row.dims[groupBy];
}

const compareKeys = (a: Key, b: Key) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);

export function summarize(rows: Iterable<UsageRow>, groupBy: GroupBy | 'day', filter: UsageFilter): Array<{ key: Key } & UsageFigures> {
  const providerView = isProviderView(groupBy, filter);
  const groups = new Map<Key, UsageCell>();
  for (const row of rows) {
    if (!matches(row.dims, filter)) continue;
    const key = keyOf(row, groupBy);
    let cell = groups.get(key);
    if (!cell) groups.set(key, (cell = newCell()));
    mergeEncodedCell(cell, row.cell);
  }
  return [...groups.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([key, cell]) => ({ key, ...figures(cell, providerView) }));
}

export interface UsageSeries {
  key: Key;
  points: Array<{ t: string } & UsageFigures>;
}

/** One series per group, a point per interval from `from` to `to` (zero where nothing happened); the `limit` busiest series. */
export function toSeries(
  rows: Iterable<UsageRow>,
  window: UsageWindow,
  interval: Interval,
  groupBy: GroupBy | undefined,
  filter: UsageFilter,
  limit: number,
): { series: UsageSeries[]; omittedSeries: number } {
  const by = groupBy ?? 'total';
  const providerView = isProviderView(groupBy, filter);
  const step = INTERVAL_MS[interval];
  const start = window.from.getTime();
  const length = Math.round((window.to.getTime() - start) / step);
  const groups = new Map<Key, UsageCell[]>();
  for (const row of rows) {
    if (!matches(row.dims, filter)) continue;
    const key = keyOf(row, by);
    let cells = groups.get(key);
    if (!cells) groups.set(key, (cells = []));
    const i = (floorTo(row.t, step) - start) / step;
    mergeEncodedCell((cells[i] ??= newCell()), row.cell);
  }
  // Sparse: a cell exists only for the steps with traffic.
  const total = (cells: Array<UsageCell | undefined>) => cells.reduce((n, c) => n + (c ? figures(c, providerView).requests : 0), 0);
  const ranked = [...groups.entries()]
    .map(([key, cells]) => ({ key, cells, requests: total(cells) }))
    .sort((a, b) => b.requests - a.requests || compareKeys(a.key, b.key));
  const empty = figures(newCell(), providerView);
  const series = ranked.slice(0, limit).map(({ key, cells }) => ({
    key,
    points: Array.from({ length }, (_, i) => ({ t: new Date(start + i * step).toISOString(), ...(cells[i] ? figures(cells[i], providerView) : empty) })),
  }));
  return { series, omittedSeries: Math.max(0, ranked.length - limit) };
}
