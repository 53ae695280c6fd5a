// Keeps the usage rollups and the trace list index in step with the stored
// traces, exactly once per trace, through crashes.
//
// Ingest writes a journal document (the batch's trace ids), then the traces
// (each tagged with the journal id), then hands the newly stored ones to the
// flusher. The flusher applies consecutive journals in groups: one write per
// rollup document and index page per group, whatever the ingest rate, then
// deletes the journals. Each write records the last journal it contains
// (blob-docs.ts), so a group retried after a failure, or a journal recovered
// after a crash, never counts twice. A journal left behind by a replica that
// stopped heartbeating is recovered from the traces that carry its id.
import { randomBytes } from 'node:crypto';
import type { Trace } from '../../plugin/contract';
import type { Logger } from '../logger';
import type { Models } from '../models';
import { mongo } from 'mongoose';
import type { BlobDoc, JournalDoc } from '../models/usage-rollup.model';
import { BlobDocs, decodeBlob, type JournalRange } from './blob-docs';
import { insertNew } from './insert-new';
import { planTraceIndex, type IndexPlan } from './trace-index/plan-trace-index';
import { writeTraceIndex } from './trace-index/write-trace-index';
import { decodeStoredTrace } from './trace-codec';
import { RollupPlanner, type PlannedRollups } from './usage/rollup-planner';
import { BUILT_FAMILIES, bucketIds, GRANULARITIES, isBuiltFromHours, parseRollupId, rollupPartition, type RollupLayout } from './usage/rollup-layout';
import { markRollupLayout } from './usage/layout-marks';
import { buildFromHours, periodOf } from './usage/coarse-rollups';

export interface FlusherOptions {
  /** How often this replica says it is alive, and after how long without it its journals are recovered. */
  heartbeatMs?: number;
  orphanAfterMs?: number;
  /** Most traces applied in one group (a group costs one write per document it touches, whatever its size). */
  maxGroupTraces?: number;
  /** Ingest waits while more traces than this are stored but not yet applied (bounds the memory they hold). */
  maxPendingTraces?: number;
  /** A six-hour or day rollup of users and runs is built from its hours once no flush has touched it for this long (coarse-rollups.ts). */
  buildQuietMs?: number;
  /** At most this share of the time goes to those builds: after a build that took d ms, the next waits d * (1 / share - 1). */
  buildShare?: number;
  /**
   * At most one group per this period while nobody waits for it: a group
   * costs one write per document it touches whatever its size, so the many
   * small batches of many data planes (each flushes every second, the
   * bench's every 100 ms) are applied together. A read, ingest's
   * back-pressure and stop() wait for it, and do not wait the period.
   * Five seconds: at 100 traces a second a group a second cost the control
   * plane and the database 0.385 of a core, one every five seconds 0.14
   * (bench/RESULTS.md §36); usage reads still see every trace ingested
   * before them, since they have the group applied first.
   */
  groupEveryMs?: number;
  /**
   * While traces keep coming, at most this share of the time goes to
   * applying groups: after a group that took d ms the next one waits
   * d * (1 / share - 1) (at least groupEveryMs). Under bulk ingest the
   * groups then grow (up to maxGroupTraces) until the rewrite of every
   * document a group touches is paid by many traces instead of a second's.
   */
  applyShare?: number;
}

const DAY_MS = 86_400_000;

interface Pending {
  n: number;
  /** This journal's new traces; 'recover': unknown (the insert failed part-way), read them back. */
  traces?: Trace[] | 'recover';
  waiters: Array<() => void>;
}

interface Group {
  range: JournalRange;
  journalIds: string[];
  /** Traces counted in pendingTraces. */
  traces: number;
  /** The group's traces (planned again if the rollup thread that held the plan is lost). */
  source: Trace[];
  /** Planned when the group is first applied (and again if the thread that held the plan is lost). */
  rollups?: PlannedRollups;
  index: IndexPlan;
}

const PARALLEL_WRITES = 8;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export class IngestFlusher {
  readonly replica = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly pending: Pending[] = [];
  private pendingTraces = 0;
  private appliedTraces = 0;
  private inflight?: Group;
  private running = false;
  /** Called each time `running` goes back to false (buildDue waits for its turn). */
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private compareAndSet = true;
  private readonly docs = new BlobDocs(() => this.compareAndSet);
  private timer?: NodeJS.Timeout;
  private recovering?: Promise<void>;
  private readonly opts: Required<FlusherOptions>;
  /** Recorded at the first heartbeat (layout-marks.ts); nothing is planned before it is known. */
  private layout?: RollupLayout;
  /** Built-from-hours documents not written yet (single writer only), with when a flush last skipped them. */
  private readonly unbuilt = new Map<string, number>();
  private buildFromHours = false;
  /** Paced builds: none before this time; `buildTimer` runs the next one then. */
  private nextBuildAt = 0;
  private buildTimer?: NodeJS.Timeout;
  /** When the last group was taken, and the timer that applies the next group. */
  private lastGroupAt = 0;
  /** How long the last group took to apply (the pause before the next one grows with it, applyShare). */
  private lastApplyMs = 0;
  private groupTimer?: NodeJS.Timeout;
  /**
   * Rollup documents this flusher has written (so they exist, unless retention removed them since).
   * Any other is first tried as new: all of a group's new documents go in one insert per collection,
   * and only those that turn out to exist are read and rewritten.
   */
  private readonly written = new Set<string>();
  /** Groups applied since start (a group is one write per document it touches). */
  groupsApplied = 0;
  /** Plans and merges rollups on a thread of its own (rollup-thread.ts). */
  readonly planner: RollupPlanner;

  constructor(
    private readonly models: Models,
    private readonly log: Logger,
    opts: FlusherOptions = {},
  ) {
    this.opts = {
      heartbeatMs: 10_000,
      orphanAfterMs: 60_000,
      maxGroupTraces: 20_000,
      maxPendingTraces: 50_000,
      buildQuietMs: 60_000,
      buildShare: 0.2,
      groupEveryMs: 5_000,
      applyShare: 0.25,
      ...opts,
    };
    this.planner = new RollupPlanner(log);
  }

  journalId(n: number): string {
    return `${this.replica}:${n}`;
  }

  async start(): Promise<void> {
    try {
      const info = await this.models.usageStore.rollups().db.admin().command({ buildInfo: 1 });
      this.compareAndSet = !('ferretdbVersion' in info || 'ferretdb' in info);
    } catch {
      this.compareAndSet = false; // by _id alone is right on both, with one writer
    }
    this.buildFromHours = !this.compareAndSet;
    await this.heartbeat();
    const recover = () => {
      this.recovering ??= this.recoverOrphans().finally(() => (this.recovering = undefined));
    };
    this.timer = setInterval(
      () =>
        void this.heartbeat().then(() => {
          recover();
          void this.run();
        }),
      this.opts.heartbeatMs,
    );
    this.timer.unref();
    recover();
    void this.run();
  }

  /** Stops after the journals in hand are applied (or gives up on them: they stay for recovery). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.buildTimer);
    clearTimeout(this.groupTimer);
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, 5_000))]);
    this.stopped = true;
    await this.recovering;
    await this.planner.close();
  }

  /** Reserves the next journal number (ingest writes the journal document under it). */
  begin(): number {
    const n = ++this.seq;
    this.pending.push({ n, waiters: [] });
    return n;
  }

  /** The journal's traces are stored: these are the new ones ('recover' when unknown). */
  ready(n: number, traces: Trace[] | 'recover'): void {
    const p = this.pending.find((x) => x.n === n);
    if (p) {
      p.traces = traces;
      if (traces !== 'recover') this.pendingTraces += traces.length;
    }
    void this.run();
  }

  /**
   * Resolves once fewer than maxPendingTraces traces wait to be applied:
   * ingest calls it first, so a flusher that falls behind slows ingest (the
   * data planes hold their batches meanwhile) instead of filling memory.
   */
  async room(): Promise<void> {
    while (this.pendingTraces >= this.opts.maxPendingTraces && !this.stopped) await this.settled(1_000);
  }

  /** Resolves when every journal begun so far is applied (or after `timeoutMs`). */
  settled(timeoutMs = 2_000): Promise<void> {
    const last = this.pending[this.pending.length - 1];
    if (!last) return Promise.resolve();
    const waited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      last.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Somebody waits: the group goes now, not when the period ends.
    void this.run();
    return waited;
  }

  /** How long the next group waits to be joined by more journals (0: apply it now). */
  private groupDelay(): number {
    const awaited = this.pending.some((p) => p.waiters.length > 0);
    if (this.inflight || awaited || this.pendingTraces >= this.opts.maxGroupTraces) return 0;
    const period = Math.max(this.opts.groupEveryMs, this.lastApplyMs / this.opts.applyShare);
    return Math.max(0, this.lastGroupAt + period - Date.now());
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (;;) {
        const delay = this.pending[0]?.traces !== undefined ? this.groupDelay() : 0;
        if (delay > 0) {
          this.groupTimer ??= setTimeout(() => {
            this.groupTimer = undefined;
            void this.run();
          }, delay).unref();
          break;
        }
        const applyStart = Date.now(); // planning included
        const group = this.inflight ?? (await this.nextGroup());
        if (!group) {
          if (await this.buildOne()) continue;
          break;
        }
        if (!this.inflight) {
          this.lastGroupAt = Date.now();
          this.groupsApplied++;
        }
        this.inflight = group;
        try {
          if (!group.rollups?.held) group.rollups = await this.planRollups(group.source, this.layout!);
          await this.apply(group, group.rollups);
          this.lastApplyMs = Date.now() - applyStart;
        } catch (err) {
          this.log.error({ err, journals: `${group.range.first}..${group.range.last}` }, 'ingest flusher: write failed; retrying');
          await new Promise((r) => setTimeout(r, 1_000));
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the await above
          if (this.stopped) break;
          continue;
        }
        this.inflight = undefined;
        group.rollups.release();
        await this.models.usageStore
          .journal()
          .bulkWrite(
            group.journalIds.map((_id) => ({ deleteOne: { filter: { _id } } })),
            { ordered: false },
          )
          .catch((err: unknown) => this.log.warn({ err }, 'ingest flusher: journal cleanup failed (recovery will skip them)'));
        const done = this.pending.splice(0, group.journalIds.length);
        this.pendingTraces -= group.traces;
        this.appliedTraces += group.traces;
        for (const p of done) for (const w of p.waiters) w();
        // Between groups no journal of this replica is partly applied: one build, so ingest never starves them.
        await this.buildOne();
      }
    } finally {
      this.idle();
    }
  }

  /** The longest run of consecutive ready journals from the oldest one (up to maxGroupTraces), planned as one. */
  private async nextGroup(): Promise<Group | undefined> {
    const layout = this.layout;
    if (!layout) return undefined; // the heartbeat records it, then runs again
    const ready: Pending[] = [];
    const traces: Trace[] = [];
    let counted = 0;
    for (const p of this.pending) {
      if (p.traces === undefined || (ready.length > 0 && traces.length >= this.opts.maxGroupTraces)) break;
      if (p.traces === 'recover') p.traces = await this.readBack(this.journalId(p.n));
      else counted += p.traces.length;
      ready.push(p);
      traces.push(...p.traces);
    }
    if (ready.length === 0) return undefined;
    return {
      range: { replica: this.replica, first: ready[0]!.n, last: ready[ready.length - 1]!.n },
      journalIds: ready.map((p) => this.journalId(p.n)),
      traces: counted,
      source: traces,
      index: planTraceIndex(traces),
    };
  }

  /** Documents built from their hours are written only when they exist: their rows are folded only then. */
  private planRollups(traces: Trace[], layout: RollupLayout): Promise<PlannedRollups> {
    return this.planner.plan(traces, layout, this.buildFromHours);
  }

  /** The traces a journal stored: those among its ids that carry its id. */
  private async readBack(journalId: string, ids?: Array<[string, string]>): Promise<Trace[]> {
    const list = ids ?? decodeBlob<Array<[string, string]>>(await this.models.usageStore.journal().findOne({ _id: journalId })) ?? [];
    const found: Trace[] = [];
    await inParallel(list, PARALLEL_WRITES, async ([id, day]) => {
      const doc = await this.models.traceStore.traces(day).findOne({ _id: id });
      if (doc && doc.j === journalId) found.push(decodeStoredTrace(doc));
    });
    return found;
  }

  private async apply(group: Group, rollups: PlannedRollups): Promise<void> {
    const { range } = group;
    const writes: Array<() => Promise<void>> = [];
    // Documents not known to exist, per collection ("": the shared one of hours and days): inserted together first.
    const maybeNew = new Map<string, string[]>();
    const rewrite = (id: string) => async () => {
      const coll = this.rollupCollection(rollupPartition(id));
      await this.docs.apply(coll, id, range, async (stored) => (await rollups.merge([[id, stored ?? null]]))[0]!);
      this.remember(id);
    };
    // A six-hour or day document built from its hours whose period gets traffic again (late traces, a
    // backfill): deleted, so that reads use its parts, and built again once the period is quiet. Merging
    // the group into it rewrote every dense shard of the day (88 documents of every user's rows) for
    // each group: a backfill of a day already built ran at 7,601 traces/s instead of 10,326 (§37).
    const unbuild = (id: string) => async () => {
      await this.rollupCollection('').deleteOne({ _id: id });
      // Every shard of the period is built (those without rows as empty documents, so that reads of all shards find them).
      for (const sibling of this.siblingsOf(id)) this.unbuilt.set(sibling, Date.now());
    };
    for (const id of rollups.ids) {
      if (this.buildFromHours && isBuiltFromHours(id)) writes.push(unbuild(id));
      else if (this.written.has(id)) writes.push(rewrite(id));
      else {
        const partition = rollupPartition(id);
        let list = maybeNew.get(partition);
        if (!list) maybeNew.set(partition, (list = []));
        list.push(id);
      }
    }
    for (const [partition, ids] of maybeNew) {
      const bodies = await rollups.merge(ids.map((id) => [id, null]));
      // As BlobDocs.write creates a document: version 1, this group's journals in it.
      const docs = ids.map((id, i): BlobDoc => ({ _id: id, v: 1, s: { [range.replica]: range.last }, b: new mongo.Binary(bodies[i]) }));
      const existing = await insertNew(this.rollupCollection(partition), docs);
      ids.forEach((id, i) => (existing.has(i) ? writes.push(rewrite(id)) : this.remember(id)));
    }
    for (const [day, streams] of group.index) {
      const coll = this.models.traceStore.index(day, true);
      for (const [stream, entries] of streams) writes.push(() => writeTraceIndex(this.docs, coll, stream, entries, range));
    }
    await inParallel(writes, PARALLEL_WRITES, (w) => w());
  }

  /** A rollup partition's collection ("": the shared one of hours and coarser). */
  private rollupCollection(partition: string): mongo.Collection<BlobDoc> {
    return partition ? this.models.usageStore.minutes(partition, true) : this.models.usageStore.rollups();
  }

  private remember(id: string): void {
    if (this.written.size >= 200_000) this.written.clear(); // bounded: a forgotten one is tried as new once more
    this.written.add(id);
  }

  private idle(): void {
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Builds every period finished by `now`, however recently touched and without pauses, in the single writer (what the heartbeat does over time). */
  async buildDue(now = Date.now()): Promise<void> {
    while (this.running) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.running = true;
    try {
      while (await this.buildOne(now, -Infinity, false));
    } finally {
      this.idle();
      void this.run();
    }
  }

  /** Traces this flusher has applied to usage and the list index since it started. */
  applied(): number {
    return this.appliedTraces;
  }

  /** Built-from-hours documents of periods over by `now` that are not built yet (reads use their parts meanwhile). */
  pendingBuilds(now = Date.now()): number {
    let n = 0;
    for (const id of this.unbuilt.keys()) if (periodOf(id).end <= now) n++;
    return n;
  }

  /**
   * Builds one quiet, finished period (true: one was due, built or not);
   * six-hour ones first, so a day is built from them. Runs in the single
   * writer, between groups, and never while another replica's journals
   * wait: one partly applied would be in some hours, and so in the built
   * document, but not in others. Paced (buildShare) so that builds never
   * take more than their share of the flusher's and the database's time
   * from ingest and reads; a timer resumes them after the pause.
   */
  private async buildOne(now = Date.now(), quietMs = this.opts.buildQuietMs, paced = true): Promise<boolean> {
    if (this.stopped) return false;
    let due: string | undefined;
    for (const [id, touched] of this.unbuilt) {
      if (periodOf(id).end > now || touched > now - quietMs) continue;
      due = id;
      if (parseRollupId(id).g === 'q') break;
    }
    if (!due) return false;
    if (paced && Date.now() < this.nextBuildAt) {
      this.buildTimer ??= setTimeout(() => {
        this.buildTimer = undefined;
        void this.run();
      }, this.nextBuildAt - Date.now());
      this.buildTimer.unref();
      return false;
    }
    const t0 = Date.now();
    try {
      if (await this.models.usageStore.journal().findOne({ r: { $ne: this.replica } }, { projection: { _id: 1 } })) return false;
      await buildFromHours(this.models.usageStore.rollups(), due);
      this.unbuilt.delete(due);
      return true;
    } catch (err) {
      this.log.warn({ err, id: due }, 'ingest flusher: could not build a rollup from its hours; will retry');
      this.unbuilt.set(due, now);
      return false;
    } finally {
      this.nextBuildAt = Date.now() + (Date.now() - t0) * (1 / this.opts.buildShare - 1);
    }
  }

  /** Every shard's document of the bucket of a built-from-hours document. */
  private siblingsOf(id: string): string[] {
    const { family, g, start } = parseRollupId(id);
    return this.layout ? bucketIds(family, g, start, this.layout) : [id];
  }

  /** The built-from-hours documents of the last two days, any of which a previous process may have left unbuilt. */
  private seedUnbuilt(now: number, layout: RollupLayout): void {
    for (const family of BUILT_FAMILIES) {
      for (const g of GRANULARITIES.filter((x) => x.name === 'q' || x.name === 'd')) {
        for (let t = Math.floor((now - 2 * DAY_MS) / g.ms) * g.ms; t < now; t += g.ms) {
          for (const id of bucketIds(family, g.name, t, layout)) if (!this.unbuilt.has(id)) this.unbuilt.set(id, 0);
        }
      }
    }
  }

  private async heartbeat(): Promise<void> {
    if (!this.layout) {
      await markRollupLayout(this.models.usageStore, Date.now()).then(
        (layout) => {
          this.layout = layout;
          // Periods a previous process may have left unbuilt (reads use their hours meanwhile).
          if (this.buildFromHours) this.seedUnbuilt(Date.now(), layout);
        },
        (err: unknown) => this.log.warn({ err }, 'ingest flusher: could not record the rollup layout; will retry'),
      );
    }
    await this.models.usageStore
      .replicas()
      .replaceOne({ _id: this.replica }, { at: new Date() }, { upsert: true })
      .catch((err: unknown) => this.log.warn({ err }, 'ingest flusher: heartbeat failed'));
  }

  /**
   * Journals of replicas that stopped (crashed, or killed before they
   * applied them): applied here, one journal at a time in their order,
   * through this flusher's single writer.
   */
  private async recoverOrphans(): Promise<void> {
    const layout = this.layout;
    if (this.stopped || this.running || !layout) return;
    this.running = true;
    try {
      const journals = (await this.models.usageStore.journal().find({}).toArray()).filter((j) => j.r !== this.replica);
      const replicas = new Map((await this.models.usageStore.replicas().find({}).toArray()).map((r) => [r._id, r.at.getTime()]));
      const cutoff = Date.now() - this.opts.orphanAfterMs;
      const orphans = journals.filter((j: JournalDoc) => (replicas.get(j.r) ?? 0) < cutoff).sort((a, b) => (a.r === b.r ? a.n - b.n : a.r < b.r ? -1 : 1));
      for (const j of orphans) {
        const traces = await this.readBack(j._id, decodeBlob<Array<[string, string]>>(j) ?? []);
        const rollups = await this.planRollups(traces, layout);
        try {
          await this.apply(
            { range: { replica: j.r, first: j.n, last: j.n }, journalIds: [j._id], traces: 0, source: traces, index: planTraceIndex(traces) },
            rollups,
          );
        } finally {
          rollups.release();
        }
        await this.models.usageStore.journal().deleteOne({ _id: j._id });
        this.log.info({ journal: j._id, traces: traces.length }, 'ingest flusher: recovered an orphaned journal');
      }
      const stale = [...replicas.entries()].filter(([id, at]) => id !== this.replica && at < cutoff && !journals.some((j) => j.r === id));
      for (const [id] of stale) await this.models.usageStore.replicas().deleteOne({ _id: id });
    } catch (err) {
      this.log.error({ err }, 'ingest flusher: recovery failed; will retry');
    } finally {
      this.idle();
      void this.run();
    }
  }
}
