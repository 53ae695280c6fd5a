// Usage summary per endpoint, provider, UTC day or agent run. Shadow calls
// are not client requests: they are left out (see shadow-comparisons). Aggregated in code, not
// with $group: percentiles need the raw latencies anyway, and FerretDB 1.24
// returns 0 for `$sum: "$field"` when the same $group also has `$sum: 1`.
import type { Models } from '../models';
import { parseTime } from './parse-time';
import type { TraceDoc } from '../models/trace.model';

export type UsageGroupBy = 'endpoint' | 'provider' | 'day' | 'run';

interface Bucket {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  latencies: number[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const keyOf = (t: Pick<TraceDoc, 'endpoint' | 'provider' | 'time' | 'runId'>, groupBy: UsageGroupBy): string =>
  groupBy === 'endpoint'
    ? t.endpoint
    : groupBy === 'provider'
      ? (t.provider ?? 'none')
      : groupBy === 'run'
        ? (t.runId ?? 'none')
        : t.time.toISOString().slice(0, 10);

export class UsageService {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async summary(q: { from?: string; to?: string; groupBy?: UsageGroupBy }) {
    const to = q.to ? parseTime('to', q.to) : this.now();
    const from = q.from ? parseTime('from', q.from) : new Date(to.getTime() - 24 * 3600_000);
    const groupBy = q.groupBy ?? 'endpoint';
    const buckets = new Map<string, Bucket>();
    const cursor = this.models.traces
      .find(
        { time: { $gte: from, $lt: to }, shadowOf: { $exists: false } },
        { endpoint: 1, provider: 1, time: 1, runId: 1, status: 1, usage: 1, costUsd: 1, latencyMs: 1 },
      )
      .lean<TraceDoc[]>()
      .cursor();
    for await (const t of cursor as AsyncIterable<TraceDoc>) {
      const key = keyOf(t, groupBy);
      let b = buckets.get(key);
      if (!b) {
        b = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0, latencies: [] };
        buckets.set(key, b);
      }
      b.requests++;
      if (t.status >= 400) b.errors++;
      b.promptTokens += t.usage?.promptTokens ?? 0;
      b.completionTokens += t.usage?.completionTokens ?? 0;
      b.totalTokens += t.usage?.totalTokens ?? 0;
      b.costUsd += t.costUsd ?? 0;
      b.latencies.push(t.latencyMs);
    }
    const groups = [...buckets.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, b]) => {
        const sorted = b.latencies.sort((x, y) => x - y);
        const { latencies: _l, ...totals } = b;
        return { key, ...totals, costUsd: round(b.costUsd), p50LatencyMs: percentile(sorted, 50), p95LatencyMs: percentile(sorted, 95) };
      });
    return { from: from.toISOString(), to: to.toISOString(), groupBy, groups };
  }
}

/** Sums of float prices drift (0.1 + 0.2); 9 decimals is far below a micro-dollar. */
const round = (n: number) => Math.round(n * 1e9) / 1e9;
