// Trace ingest (idempotent by trace id), listing newest first with cursor
// paging, and lookup by id, all in bounded time however many traces are
// stored (see models/trace-store.model.ts and trace-index/).
import type { Trace } from '../../plugin/contract';
import { notFound } from '../errors';
import type { Models } from '../models';
import { dayKey } from '../models/trace-store.model';
import { readTraceIndex } from './trace-index/read-trace-index';
import type { TraceFilter } from './trace-index/plan-trace-index';
import { decodeStoredTrace, encodeStoredTrace } from './trace-codec';
import { decodeCursor, encodeCursor } from './cursor';
import type { IngestFlusher } from './ingest-flusher';
import type { MetricsService } from './metrics.service';
import { parseTime } from './parse-time';
import { encodeBlob } from './blob-docs';
import { insertNew } from './insert-new';

/** Later than any trace (and still a valid Date). */
const END_OF_TIME = Date.UTC(9999, 0, 1);

export interface TraceQuery extends TraceFilter {
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export class TracesService {
  constructor(
    private readonly models: Models,
    private readonly metrics: MetricsService,
    private readonly flusher: IngestFlusher,
  ) {}

  /**
   * Stores the traces not stored yet (the id is the _id of the day's
   * collection, so a replay is refused as a duplicate and counted), then
   * hands the new ones to the flusher for usage and the list index.
   */
  async ingest(traces: Trace[]): Promise<{ accepted: number; duplicates: number }> {
    if (traces.length === 0) return { accepted: 0, duplicates: 0 };
    const times = traces.map((t, i) => parseTime(`traces[${i}].time`, t.time));
    await this.flusher.room();
    const n = this.flusher.begin();
    const journalId = this.flusher.journalId(n);
    const byDay = new Map<string, number[]>();
    times.forEach((time, i) => {
      const day = dayKey(time.getTime());
      const list = byDay.get(day);
      if (list) list.push(i);
      else byDay.set(day, [i]);
    });
    try {
      await this.models.usageStore
        .journal()
        .insertOne({ _id: journalId, r: this.flusher.replica, n, at: new Date(), b: encodeBlob(traces.map((t, i) => [t.id, dayKey(times[i]!.getTime())])) });
    } catch (err) {
      this.flusher.ready(n, []);
      throw err;
    }
    try {
      const duplicate = new Set<number>();
      await Promise.all(
        [...byDay.entries()].map(async ([day, positions]) => {
          const encoded = positions.map((i) => encodeStoredTrace(traces[i]!, times[i]!, journalId));
          // Payloads first: a trace is never stored without the payload it came with.
          const payloads = encoded.flatMap((e) => (e.payload ? [e.payload] : []));
          await insertNew(this.models.traceStore.payloads(day, payloads.length > 0), payloads);
          const dups = await insertNew(
            this.models.traceStore.traces(day, true),
            encoded.map((e) => e.doc),
          );
          for (const k of dups) duplicate.add(positions[k]!);
        }),
      );
      const fresh = traces.filter((_, i) => !duplicate.has(i));
      this.flusher.ready(n, fresh);
      this.metrics.observe(fresh);
      return { accepted: fresh.length, duplicates: duplicate.size };
    } catch (err) {
      this.flusher.ready(n, 'recover');
      throw err;
    }
  }

  async list(q: TraceQuery) {
    await this.flusher.settled();
    const filter: TraceFilter = { endpoint: q.endpoint, user: q.user, provider: q.provider, status: q.status };
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    const days = await this.models.traceStore.days('trace_index');
    const entries = await readTraceIndex((day) => this.models.traceStore.index(day), days, {
      filter,
      from: q.from ? parseTime('from', q.from).getTime() : 0,
      to: q.to ? parseTime('to', q.to).getTime() : END_OF_TIME,
      after: cursor ? { time: cursor.time.getTime(), id: cursor.id } : undefined,
      want: q.limit + 1,
    });
    const page = entries.slice(0, q.limit);
    const docs = await Promise.all(page.map(([time, id]) => this.models.traceStore.traces(dayKey(time)).findOne({ _id: id })));
    const last = page[page.length - 1];
    return {
      items: docs.filter((d) => d !== null).map((d) => decodeStoredTrace(d)),
      nextCursor: entries.length > q.limit && last ? encodeCursor({ time: new Date(last[0]), id: last[1] }) : null,
    };
  }

  /** Looks in each day's collection, newest first (a trace is in the one of its time). */
  async get(id: string): Promise<Trace> {
    for (const day of await this.models.traceStore.days('traces')) {
      const doc = await this.models.traceStore.traces(day).findOne({ _id: id });
      if (!doc) continue;
      const trace = decodeStoredTrace(doc);
      if (!doc.p) return trace;
      const payload = await this.models.traceStore.payloads(day).findOne({ _id: id });
      return {
        ...trace,
        ...(payload?.request !== undefined ? { request: payload.request } : {}),
        ...(payload?.response !== undefined ? { response: payload.response } : {}),
      };
    }
    throw notFound('trace', id);
  }
}
