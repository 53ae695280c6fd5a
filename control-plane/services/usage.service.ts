// Usage summary and chart series: requests, errors, tokens, cost and latency
// percentiles per group, read from usage rows (see usage/).
import type { Models } from '../models';
import type { TraceDoc } from '../models/trace.model';
import { traceToApi } from './traces.service';
import { attributeTraceUsage } from './usage/attribute-trace-usage';
import { summarize, toSeries, type UsageRow } from './usage/build-usage-report';
import { addContribution, encodeCell, newCell, type UsageCell } from './usage/usage-cell';
import { alignWindow, floorTo, INTERVAL_MS, MAX_POINTS, pickFilters, type GroupBy, type Interval, type UsageWindow } from './usage/usage-query';
import { badRequest } from '../errors';

const DAY_MS = 86_400_000;
const DEFAULT_SERIES_SPAN: Record<Interval, number> = { minute: 3_600_000, hour: DAY_MS, day: 30 * DAY_MS };

export interface SummaryQuery extends Record<string, unknown> {
  from?: string;
  to?: string;
  groupBy?: GroupBy | 'day';
}

export interface SeriesQuery extends Record<string, unknown> {
  from?: string;
  to?: string;
  interval?: Interval;
  groupBy?: GroupBy;
  limit?: number;
}

export class UsageService {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async summary(q: SummaryQuery) {
    const window = alignWindow(q, INTERVAL_MS.minute, DAY_MS, this.now());
    const groupBy = q.groupBy ?? 'endpoint';
    const filter = pickFilters(q);
    const groups = summarize(await this.rows(window), groupBy, filter);
    return { from: window.from.toISOString(), to: window.to.toISOString(), groupBy, ...filter, groups };
  }

  async series(q: SeriesQuery) {
    const interval = q.interval ?? 'hour';
    const window = alignWindow(q, INTERVAL_MS[interval], DEFAULT_SERIES_SPAN[interval], this.now());
    const points = (window.to.getTime() - window.from.getTime()) / INTERVAL_MS[interval];
    if (points > MAX_POINTS) {
      throw badRequest('invalid_range', `from..to: ${points} ${interval}s is more than ${MAX_POINTS} points; narrow the range or use a larger interval`);
    }
    const filter = pickFilters(q);
    const { series, omittedSeries } = toSeries(await this.rows(window), window, interval, q.groupBy, filter, q.limit ?? 20);
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      interval,
      groupBy: q.groupBy ?? null,
      ...filter,
      series,
      omittedSeries,
    };
  }

  /** Per-minute usage rows of the window, recounted from the stored traces. */
  private async rows(window: UsageWindow): Promise<UsageRow[]> {
    const cells = new Map<string, { t: number; dims: UsageRow['dims']; cell: UsageCell }>();
    const cursor = this.models.traces
      .find({ time: { $gte: window.from, $lt: window.to } }, { request: 0, response: 0 })
      .lean<TraceDoc[]>()
      .cursor();
    for await (const doc of cursor as AsyncIterable<TraceDoc>) {
      const t = floorTo(doc.time.getTime(), INTERVAL_MS.minute);
      for (const c of attributeTraceUsage(traceToApi(doc))) {
        const key = `${t}\u0000${JSON.stringify(c.dims)}`;
        let entry = cells.get(key);
        if (!entry) cells.set(key, (entry = { t, dims: c.dims, cell: newCell() }));
        addContribution(entry.cell, c);
      }
    }
    return [...cells.values()].map(({ t, dims, cell }) => ({ t, dims, cell: encodeCell(cell) }));
  }
}
