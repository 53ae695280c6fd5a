// The usage API's query, normalized: an aligned time window, the grouping,
// the filters, and whether the provider view applies (see figures()).
import { badRequest } from '../../errors';
import { parseTime } from '../parse-time';
import type { UsageDims } from './attribute-trace-usage';

export const GROUP_BYS = ['endpoint', 'provider', 'model', 'user', 'api', 'status', 'run'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export const FILTERS = ['endpoint', 'provider', 'model', 'user', 'api', 'run'] as const;
export type UsageFilter = Partial<Record<(typeof FILTERS)[number], string>>;

export type Interval = 'minute' | 'hour' | 'day';
export const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Series longer than this many points are refused (a chart has no use for more). */
export const MAX_POINTS = 1_500;

export interface UsageWindow {
  from: Date;
  to: Date;
}

export const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
export const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

/** Whole steps covering [from, to): from rounded down, to rounded up (UTC). */
export function alignWindow(q: { from?: string; to?: string }, step: number, defaultSpanMs: number, now: Date): UsageWindow {
  const rawTo = q.to ? parseTime('to', q.to) : now;
  const rawFrom = q.from ? parseTime('from', q.from) : new Date(rawTo.getTime() - defaultSpanMs);
  if (rawFrom.getTime() >= rawTo.getTime()) throw badRequest('invalid_range', 'from: must be before to');
  return { from: new Date(floorTo(rawFrom.getTime(), step)), to: new Date(ceilTo(rawTo.getTime(), step)) };
}

export function pickFilters(q: Record<string, unknown>): UsageFilter {
  const f: UsageFilter = {};
  for (const name of FILTERS) if (typeof q[name] === 'string') f[name] = q[name];
  return f;
}

export function matches(dims: UsageDims, filter: UsageFilter): boolean {
  for (const name of FILTERS) {
    const want = filter[name];
    if (want !== undefined && dims[name] !== want) return false;
  }
  return true;
}

/** Provider and model groupings and filters count every failed provider call (fallbacks included) as a request and an error. */
export const isProviderView = (groupBy: GroupBy | 'day' | undefined, filter: UsageFilter) =>
  groupBy === 'provider' || groupBy === 'model' || filter.provider !== undefined || filter.model !== undefined;
