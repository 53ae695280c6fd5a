// Usage summary and chart series: requests, errors, tokens, cost and latency
// percentiles per group, read from the usage rollups only (a few dozen
// documents for any window, however many traces it holds).
import { badRequest } from '../errors';
import type { Models } from '../models';
import type { IngestFlusher } from './ingest-flusher';
import { summarize, toSeries } from './usage/build-usage-report';
import { familyFor, readUsageRows, widenToFamily } from './usage/read-usage-rows';
import { readRollupLayout } from './usage/layout-marks';
import { FIRST_LAYOUT, finestOf, type RollupLayout } from './usage/rollup-layout';
import { alignWindow, ceilTo, floorTo, INTERVAL_MS, MAX_POINTS, pickFilters, type GroupBy, type Interval, type UsageWindow } from './usage/usage-query';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_SUMMARY_DAYS = 1_000;
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
    private readonly flusher: IngestFlusher,
    /** Minute and 10-minute rollups are deleted after this many days (0: never); older edges are read by the hour. */
    private readonly minuteRetentionDays = 0,
    /** Hour and day rollups are deleted after this many days (0: never): nothing older is read. */
    private readonly retentionDays = 0,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private layout?: RollupLayout;

  /** The rollups' layout (read until the flusher has recorded it: the older layout everywhere meanwhile, as nothing else is written yet). */
  private async rollupLayout(): Promise<RollupLayout> {
    this.layout ??= await readRollupLayout(this.models.usageStore);
    return this.layout ?? FIRST_LAYOUT;
  }

  private readonly rollups = (partition: string) => (partition ? this.models.usageStore.minutes(partition) : this.models.usageStore.rollups());

  async summary(q: SummaryQuery) {
    const now = this.now();
    let window = this.widenPastMinuteRetention(alignWindow(q, INTERVAL_MS.minute, DAY_MS, now), now);
    const groupBy = q.groupBy ?? 'endpoint';
    const filter = pickFilters(q);
    const layout = await this.rollupLayout();
    const source = familyFor(groupBy, filter, this.storedPart(window, now), layout);
    // Users, runs and user pairs are kept from 10 minutes up: their edges are counted by whole 10 minutes (the answer says which window).
    window = widenToFamily(window, source.family);
    await this.flusher.settled();
    const stored = this.storedPart(window, now);
    const rows = await readUsageRows(this.rollups, source, stored, DAY_MS, filter, layout);
    return { from: window.from.toISOString(), to: window.to.toISOString(), groupBy, ...filter, groups: summarize(rows, groupBy, filter) };
  }

  async series(q: SeriesQuery) {
    const interval = q.interval ?? 'hour';
    const step = INTERVAL_MS[interval];
    const now = this.now();
    let window = alignWindow(q, step, DEFAULT_SERIES_SPAN[interval], now);
    if (interval === 'minute' && this.beforeMinuteRetention(window.from, now)) {
      throw badRequest('invalid_range', `from: minute points are kept for ${this.minuteRetentionDays} days; use interval=hour for older ranges`);
    }
    window = this.widenPastMinuteRetention(window, now);
    const points = (window.to.getTime() - window.from.getTime()) / step;
    if (points > MAX_POINTS) {
      throw badRequest('invalid_range', `from..to: ${points} ${interval}s is more than ${MAX_POINTS} points; narrow the range or use a larger interval`);
    }
    const filter = pickFilters(q);
    const layout = await this.rollupLayout();
    const source = familyFor(q.groupBy, filter, this.storedPart(window, now), layout);
    if (step < finestOf(source.family).ms) {
      throw badRequest(
        'invalid_range',
        'interval: usage of one user or run (a user or run filter, grouping by run with a filter, or by user with one) is kept by 10 minutes; use interval=hour',
      );
    }
    await this.flusher.settled();
    const stored = this.storedPart(window, now);
    const rows = await readUsageRows(this.rollups, source, stored, step, filter, layout);
    const { series, omittedSeries } = toSeries(rows, window, interval, q.groupBy, filter, q.limit ?? 20);
    return { from: window.from.toISOString(), to: window.to.toISOString(), interval, groupBy: q.groupBy ?? null, ...filter, series, omittedSeries };
  }

  /** The part of a window rollups can exist for (not before the retention); at most MAX_SUMMARY_DAYS of it. */
  private storedPart(w: UsageWindow, now: Date): UsageWindow {
    const earliest = this.retentionDays > 0 ? Math.floor(now.getTime() / DAY_MS) * DAY_MS - this.retentionDays * DAY_MS : -Infinity;
    const from = Math.max(w.from.getTime(), earliest);
    const to = w.to.getTime();
    if (to - from > MAX_SUMMARY_DAYS * DAY_MS) throw badRequest('invalid_range', `from..to: more than ${MAX_SUMMARY_DAYS} days`);
    return to > from ? { from: new Date(from), to: new Date(to) } : { from: new Date(from), to: new Date(from) };
  }

  private beforeMinuteRetention(t: Date, now: Date): boolean {
    return this.minuteRetentionDays > 0 && t.getTime() < now.getTime() - (this.minuteRetentionDays - 1) * DAY_MS;
  }

  /** Edges older than the minute rollups are kept for are counted by whole hours (the answer says which window). */
  private widenPastMinuteRetention(w: UsageWindow, now: Date): UsageWindow {
    const from = this.beforeMinuteRetention(w.from, now) ? new Date(floorTo(w.from.getTime(), HOUR_MS)) : w.from;
    const to = this.beforeMinuteRetention(w.to, now) ? new Date(ceilTo(w.to.getTime(), HOUR_MS)) : w.to;
    return { from, to };
  }
}
