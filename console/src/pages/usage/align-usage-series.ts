// Lays the usage API's per-group points on one time axis for the charts:
// every bucket from `from` to `to` (so quiet periods show as 0, not as a
// line drawn across them), counts 0 where a group had no traffic, latency
// null there (no requests, no latency). The API already sends every bucket;
// this keeps the charts right if it ever sends fewer.
import type { Schemas } from '../../api/client';

export type UsageSeries = Schemas['UsageSeries'];
export type Interval = UsageSeries['interval'];
type Figures = Schemas['UsageFigures'];
/** The figures a chart can plot. */
export type Metric = { [K in keyof Figures]: Figures[K] extends number | null ? K : never }[keyof Figures];

export const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MAX_BUCKETS = 5000;

/** A group's label: the API's null key is "nothing of that kind" (no provider was called, no run). */
export function groupLabel(key: string | null): string {
  return key ?? '(none)';
}

export interface Aligned {
  /** Bucket starts in seconds since the epoch (uPlot's x unit). */
  xs: number[];
  columns: Array<{ key: string; values: Array<number | null> }>;
}

export function alignUsageSeries(res: UsageSeries, metric: Metric, missing: 0 | null): Aligned {
  const step = INTERVAL_MS[res.interval];
  const times = new Set<number>();
  const from = Math.floor(Date.parse(res.from) / step) * step;
  const to = Date.parse(res.to);
  for (let t = from; t < to && times.size < MAX_BUCKETS; t += step) times.add(t);
  for (const s of res.series) for (const p of s.points) times.add(Date.parse(p.t));
  const sorted = [...times].sort((a, b) => a - b);
  const index = new Map(sorted.map((t, i) => [t, i]));
  return {
    xs: sorted.map((t) => t / 1000),
    columns: res.series.map((s) => {
      const values: Array<number | null> = sorted.map(() => missing);
      for (const p of s.points) values[index.get(Date.parse(p.t))!] = p[metric] ?? missing;
      return { key: groupLabel(s.key), values };
    }),
  };
}

export interface GroupTotals {
  key: string;
  requests: number;
  errors: number;
  totalTokens: number;
  costUsd: number;
  /** Worst bucket p95 in the range (percentiles do not add up across buckets). */
  maxP95LatencyMs?: number;
}

export function totalsOf(res: UsageSeries): GroupTotals[] {
  return res.series.map((s) => {
    const sum = (m: 'requests' | 'errors' | 'totalTokens' | 'costUsd') => s.points.reduce((acc, p) => acc + p[m], 0);
    const p95s = s.points.flatMap((p) => (p.p95LatencyMs === null ? [] : [p.p95LatencyMs]));
    return {
      key: groupLabel(s.key),
      requests: sum('requests'),
      errors: sum('errors'),
      totalTokens: sum('totalTokens'),
      costUsd: sum('costUsd'),
      ...(p95s.length ? { maxP95LatencyMs: Math.max(...p95s) } : {}),
    };
  });
}

/** An interval that gives a readable number of buckets for a range (the API allows at most 1,500). */
export function intervalFor(rangeMs: number): Interval {
  if (rangeMs <= 6 * 3_600_000) return 'minute';
  if (rangeMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}
