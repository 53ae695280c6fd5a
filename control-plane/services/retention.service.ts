// Deletes what is older than its retention, in the background, never in one
// long operation: a day of traces, their list index, payloads, or minute
// usage is a collection drop (tens of ms on FerretDB's SQLite, no scan);
// expired hour, 6-hour and day rollups (29 buckets a day) are deleted by id in
// batches. Every step is paced to a tenth of the database's time.
import type { Logger } from '../logger';
import type { Models } from '../models';
import { dayKey, dayStart, PARTITION_KINDS, type TracePartitionKind } from '../models/trace-store.model';
import { bucketIds, CURRENT_LAYOUT, FAMILY_NAMES, FIRST_LAYOUT, GRANULARITIES, rollupId } from './usage/rollup-layout';

/** Ids of both layouts are deleted (layout-marks.ts): the sweeper need not know from when each holds. */
const LAYOUTS = [CURRENT_LAYOUT, FIRST_LAYOUT];

export interface RetentionConfig {
  /** Days of raw traces (0: forever). */
  traceDays: number;
  /** Days of request/response payloads (0: as long as the traces). */
  payloadDays: number;
  /** Days of minute and 10-minute usage rollups (0: forever). */
  usageMinuteDays: number;
  /** Days of hour and day usage rollups (0: forever). */
  usageDays: number;
  /** Time between sweeps. */
  sweepMs: number;
}

export const DEFAULT_RETENTION: RetentionConfig = { traceDays: 30, payloadDays: 7, usageMinuteDays: 14, usageDays: 400, sweepMs: 3_600_000 };

const DAY_MS = 86_400_000;
const DELETE_BATCH = 100;
/**
 * Share of the database's time a sweep may take: after each drop or delete
 * batch it pauses for (1 - DUTY) / DUTY times as long as that took, so
 * ingest keeps ~90 % of the database however slow it is at the moment. (A
 * fixed 20 ms pause after each 500 deletes let a sweep 30 days on, which
 * deletes ~700 rollup ids a day, take 95 % of it: ingest -50 %.)
 */
const DUTY = 0.1;

/** Runs `work`, then waits so that it took at most DUTY of the time. */
async function paced<T>(work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const result = await work();
  const took = Date.now() - t0;
  await new Promise((r) => setTimeout(r, (took * (1 - DUTY)) / DUTY));
  return result;
}

export interface SweepReport {
  dropped: string[];
  /** How long each drop took (ms), by partition: what a sweep costs the database. */
  dropMs: Record<string, number>;
  rollupsDeleted: number;
  ms: number;
}

export class RetentionService {
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private sweeping?: Promise<SweepReport>;

  constructor(
    private readonly models: Models,
    private readonly config: RetentionConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = () => void this.sweep().catch((err: unknown) => this.log.error({ err }, 'retention sweep failed; next one will retry'));
    this.first = setTimeout(tick, 30_000);
    this.first.unref();
    this.timer = setInterval(tick, this.config.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.first);
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /** One sweep as of `now` (one at a time). */
  sweep(now = new Date()): Promise<SweepReport> {
    this.sweeping ??= this.sweepOnce(now.getTime()).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(now: number): Promise<SweepReport> {
    const started = Date.now();
    const dataDays = [...(await this.models.traceStore.days('traces')), ...(await this.models.traceStore.days('usage_minutes'))].sort();
    const rollupsDeleted = await this.deleteRollups(this.config.usageDays, now, dataDays[0]);
    const dropped: string[] = [];
    const dropMs: Record<string, number> = {};
    const cut = (days: number) => (days > 0 ? dayKey(now - days * DAY_MS) : undefined);
    const cutoffs: Record<TracePartitionKind, string | undefined> = {
      traces: cut(this.config.traceDays),
      trace_index: cut(this.config.traceDays),
      trace_payloads: cut(this.config.payloadDays || this.config.traceDays),
      usage_minutes: cut(this.config.usageMinuteDays),
    };
    for (const kind of PARTITION_KINDS) {
      const cutoff = cutoffs[kind];
      if (!cutoff) continue;
      for (const day of await this.models.traceStore.days(kind)) {
        if (day >= cutoff) continue;
        const t0 = Date.now();
        await paced(async () => {
          await this.models.traceStore.drop(kind, day);
          dropMs[`${kind}_${day}`] = Date.now() - t0;
        });
        dropped.push(`${kind}_${day}`);
      }
    }
    const report = { dropped, dropMs, rollupsDeleted, ms: Date.now() - started };
    if (dropped.length || rollupsDeleted) this.log.info(report, 'retention sweep');
    return report;
  }

  /**
   * Deletes hour and day rollups of buckets before the cutoff, from where the
   * last sweep stopped. The first sweep starts at the oldest day with traces
   * or minute usage, or the cutoff, whichever is older (rollups exist only
   * for the times of stored traces, and each such day has those collections
   * until a sweep, which records where it got to, drops them).
   */
  private async deleteRollups(days: number, now: number, oldestDataDay: string | undefined): Promise<number> {
    const granularities = ['h', 'q', 'd'];
    if (days <= 0) return 0;
    const cutoff = Math.floor((now - days * DAY_MS) / DAY_MS) * DAY_MS;
    const rollups = this.models.usageStore.rollups();
    const state = this.models.usageStore.retention();
    const markId = `rollups-${granularities.join('')}`;
    let from = (await state.findOne({ _id: markId }))?.upTo;
    if (from === undefined) {
      from = Math.min(cutoff, oldestDataDay ? dayStart(oldestDataDay) : cutoff);
      await state.replaceOne({ _id: markId }, { upTo: from }, { upsert: true });
    }
    let deleted = 0;
    while (from < cutoff) {
      const to = Math.min(cutoff, from + DAY_MS);
      // Every trace adds to its day's S document: a day without one has no rollups (most days of
      // a first sweep, or of one far ahead). It goes last, so a sweep cut short finds the day again.
      const dayDoc = rollupId('S', 'd', from);
      const ids: string[] = [];
      if (await rollups.findOne({ _id: dayDoc }, { projection: { _id: 1 } })) {
        for (const g of GRANULARITIES.filter((x) => granularities.includes(x.name))) {
          for (let t = Math.ceil(from / g.ms) * g.ms; t < to; t += g.ms)
            for (const f of FAMILY_NAMES) ids.push(...new Set(LAYOUTS.flatMap((l) => bucketIds(f, g.name, t, l))));
        }
        ids.splice(ids.indexOf(dayDoc), 1);
        ids.push(dayDoc);
      }
      for (let i = 0; i < ids.length; i += DELETE_BATCH) {
        const res = await paced(() =>
          rollups.bulkWrite(
            ids.slice(i, i + DELETE_BATCH).map((_id) => ({ deleteOne: { filter: { _id } } })),
            { ordered: false },
          ),
        );
        deleted += res.deletedCount;
      }
      from = to;
      await state.replaceOne({ _id: markId }, { upTo: from }, { upsert: true });
    }
    return deleted;
  }
}
