import type { Trace } from '../../plugin/contract';
import { notFound } from '../errors';
import type { Models } from '../models';
import { parseTime } from './parse-time';
import type { TraceDoc } from '../models/trace.model';
import { afterCursor, decodeCursor, encodeCursor } from './cursor';
import type { MetricsService } from './metrics.service';

export interface TraceQuery {
  endpoint?: string;
  user?: string;
  provider?: string;
  status?: number;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function traceToApi(d: TraceDoc): Trace {
  const { _id, time, ...rest } = d;
  return { id: _id, time: time.toISOString(), ...rest } as Trace;
}

/** The stored time is a Date for range queries; the _id is the data plane's trace id. */
const toDoc = (t: Trace, i: number): TraceDoc => {
  const { id, time, ...rest } = t;
  return { _id: id, time: parseTime(`traces[${i}].time`, time), ...rest };
};

interface BulkWriteFailure {
  code?: number;
  insertedCount?: number;
  writeErrors?: Array<{ code?: number; index?: number }> | { code?: number; index?: number };
  result?: { insertedCount?: number };
}

export class TracesService {
  constructor(
    private readonly models: Models,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Idempotent by trace id: the id is the _id, an unordered insert stores
   * every new trace and reports each already-stored one as a duplicate-key
   * error, which we count instead of failing (verified on FerretDB 1.24).
   */
  async ingest(traces: Trace[]): Promise<{ accepted: number; duplicates: number }> {
    if (traces.length === 0) return { accepted: 0, duplicates: 0 };
    const collection = this.models.traces.collection;
    try {
      const res = await collection.insertMany(traces.map(toDoc) as never[], { ordered: false });
      this.metrics.observe(traces);
      return { accepted: res.insertedCount, duplicates: 0 };
    } catch (err) {
      const failure = err as BulkWriteFailure;
      const writeErrors = failure.writeErrors === undefined ? [] : ([] as Array<{ code?: number; index?: number }>).concat(failure.writeErrors);
      if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== 11000)) throw err;
      const accepted = failure.insertedCount ?? failure.result?.insertedCount ?? traces.length - writeErrors.length;
      // Metrics count only the traces stored now: the batch minus the duplicates' positions.
      const duplicate = new Set(writeErrors.map((e) => e.index));
      if (!duplicate.has(undefined)) this.metrics.observe(traces.filter((_, i) => !duplicate.has(i)));
      return { accepted, duplicates: writeErrors.length };
    }
  }

  async list(q: TraceQuery) {
    const and: object[] = [];
    if (q.endpoint) and.push({ endpoint: q.endpoint });
    if (q.user) and.push({ user: q.user });
    if (q.provider) and.push({ provider: q.provider });
    if (q.status !== undefined) and.push({ status: q.status });
    if (q.from) and.push({ time: { $gte: parseTime('from', q.from) } });
    if (q.to) and.push({ time: { $lt: parseTime('to', q.to) } });
    if (q.cursor) and.push(afterCursor(decodeCursor(q.cursor)));
    const docs = await this.models.traces
      .find(and.length ? { $and: and } : {}, { request: 0, response: 0 })
      .sort({ time: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean<TraceDoc[]>();
    const page = docs.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(traceToApi),
      nextCursor: docs.length > q.limit && last ? encodeCursor({ time: last.time, id: last._id }) : null,
    };
  }

  async get(id: string): Promise<Trace> {
    const doc = await this.models.traces.findById(id).lean<TraceDoc>();
    if (!doc) throw notFound('trace', id);
    return traceToApi(doc);
  }
}
