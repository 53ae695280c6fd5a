// Lays the usage API's per-group points on one time axis for the charts:
// every bucket from `from` to `to` (so quiet periods show as 0, not as a
// line drawn across them), counts 0 where a group had no traffic, latency
// null there (no requests, no latency).

export type Interval = 'minute' | 'hour' | 'day';

export interface UsagePoint {
  t: string;
  requests: number;
  errors: number;
  totalTokens: number;
  costUsd: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  [metric: string]: number | string;
}

export interface UsageSeriesLike {
  from: string;
  to: string;
  interval: Interval;
  series: Array<{ key: string; points: UsagePoint[] }>;
}

export const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MAX_BUCKETS = 5000;

export interface Aligned {
  /** Bucket starts in seconds since the epoch (uPlot's x unit). */
  xs: number[];
  columns: Array<{ key: string; values: Array<number | null> }>;
}

export function alignUsageSeries(res: UsageSeriesLike, metric: string, missing: 0 | null): Aligned {
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
      for (const p of s.points) {
        const v = p[metric];
        values[index.get(Date.parse(p.t))!] = typeof v === 'number' ? v : missing;
      }
      return { key: s.key, values };
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

export function totalsOf(res: UsageSeriesLike): GroupTotals[] {
  return res.series
    .map((s) => {
      const sum = (m: 'requests' | 'errors' | 'totalTokens' | 'costUsd') => s.points.reduce((acc, p) => acc + (p[m] ?? 0), 0);
      const p95s = s.points.filter((p) => p.requests > 0).map((p) => p.p95LatencyMs);
      return {
        key: s.key,
        requests: sum('requests'),
        errors: sum('errors'),
        totalTokens: sum('totalTokens'),
        costUsd: sum('costUsd'),
        ...(p95s.length ? { maxP95LatencyMs: Math.max(...p95s) } : {}),
      };
    })
    .sort((a, b) => b.requests - a.requests);
}

/** An interval that gives a readable number of buckets for a range. */
export function intervalFor(rangeMs: number): Interval {
  if (rangeMs <= 6 * 3_600_000) return 'minute';
  if (rangeMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}
