// Shadow traffic, compared: every shadow call's trace (`shadowOf` set) is
// recorded once into shadow_comparisons when ingested, and the report
// aggregates them per endpoint and shadow destination: how often the answers
// agree, and what the shadow would change in latency and cost. Aggregated in
// code, streaming the range (like the usage summary), so FerretDB's $group
// gaps do not matter.
import type { Trace } from '../../plugin/contract';
import type { Models } from '../models';
import type { ShadowComparisonDoc } from '../models/shadow-comparison.model';
import { isDuplicateKeyError } from './mongo-errors';
import { parseTime } from './parse-time';

interface Group {
  endpoint: string;
  provider: string;
  model: string;
  sampled: number;
  compared: number;
  failed: number;
  skipped: number;
  exact: number;
  toolCallPairs: number;
  sameToolCalls: number;
  similarity: number;
  sameFinish: number;
  latencyDeltas: number[];
  costDelta: number;
  costPairs: number;
  primaryCostUsd: number;
  shadowCostUsd: number;
}

export class ShadowComparisonsService {
  constructor(
    private readonly models: Models,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records the shadow traces of an ingested batch; a replayed batch records nothing twice. */
  async record(traces: Trace[]): Promise<void> {
    const docs: ShadowComparisonDoc[] = traces
      .filter((t) => t.shadowOf)
      .map((t) => ({
        _id: t.id,
        primaryId: t.shadowOf!,
        endpoint: t.endpoint,
        time: parseTime('time', t.time),
        provider: t.provider ?? t.attempts.at(-1)?.provider ?? 'none',
        model: t.model ?? t.attempts.at(-1)?.model ?? 'none',
        status: t.status,
        ...(t.errorCode ? { errorCode: t.errorCode } : {}),
        ...(t.runId ? { runId: t.runId } : {}),
        ...(t.comparison ? { comparison: t.comparison } : {}),
      }));
    if (docs.length === 0) return;
    try {
      await this.models.shadowComparisons.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      const errors = ([] as Array<{ code?: number }>).concat((err as { writeErrors?: [] }).writeErrors ?? []);
      if (errors.length === 0 || errors.some((e) => e.code !== 11000 && !isDuplicateKeyError(e))) throw err;
    }
  }

  async report(q: { from?: string; to?: string; endpoint?: string }) {
    const to = q.to ? parseTime('to', q.to) : this.now();
    const from = q.from ? parseTime('from', q.from) : new Date(to.getTime() - 24 * 3600_000);
    const groups = new Map<string, Group>();
    const cursor = this.models.shadowComparisons
      .find({ time: { $gte: from, $lt: to }, ...(q.endpoint ? { endpoint: q.endpoint } : {}) })
      .lean<ShadowComparisonDoc[]>()
      .cursor();
    for await (const d of cursor as AsyncIterable<ShadowComparisonDoc>) {
      const key = `${d.endpoint}\u0000${d.provider}\u0000${d.model}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = emptyGroup(d)));
      g.sampled++;
      const c = d.comparison;
      if (!c) {
        if (d.errorCode === 'shadow_busy') g.skipped++;
        else g.failed++;
        continue;
      }
      g.compared++;
      if (c.exactMatch) g.exact++;
      if (c.toolCalls) {
        g.toolCallPairs++;
        if (c.sameToolCalls) g.sameToolCalls++;
      }
      g.similarity += c.textSimilarity;
      if (c.primary.finishReason === c.shadow.finishReason) g.sameFinish++;
      g.latencyDeltas.push(c.shadow.latencyMs - c.primary.latencyMs);
      g.primaryCostUsd += c.primary.costUsd ?? 0;
      g.shadowCostUsd += c.shadow.costUsd ?? 0;
      if (c.primary.costUsd !== undefined && c.shadow.costUsd !== undefined) {
        g.costDelta += c.shadow.costUsd - c.primary.costUsd;
        g.costPairs++;
      }
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      groups: [...groups.values()]
        .sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model))
        .map(toApi),
    };
  }
}

function emptyGroup(d: ShadowComparisonDoc): Group {
  return {
    endpoint: d.endpoint,
    provider: d.provider,
    model: d.model,
    sampled: 0,
    compared: 0,
    failed: 0,
    skipped: 0,
    exact: 0,
    toolCallPairs: 0,
    sameToolCalls: 0,
    similarity: 0,
    sameFinish: 0,
    latencyDeltas: [],
    costDelta: 0,
    costPairs: 0,
    primaryCostUsd: 0,
    shadowCostUsd: 0,
  };
}

function toApi(g: Group) {
  const rate = (n: number, of: number) => (of > 0 ? round(n / of, 4) : null);
  const deltas = g.latencyDeltas.sort((a, b) => a - b);
  return {
    endpoint: g.endpoint,
    provider: g.provider,
    model: g.model,
    sampled: g.sampled,
    compared: g.compared,
    failed: g.failed,
    skipped: g.skipped,
    exactMatchRate: rate(g.exact, g.compared),
    sameToolCallsRate: rate(g.sameToolCalls, g.toolCallPairs),
    toolCallPairs: g.toolCallPairs,
    meanTextSimilarity: rate(g.similarity, g.compared),
    finishReasonAgreement: rate(g.sameFinish, g.compared),
    latencyDeltaMs: {
      mean: deltas.length ? round(deltas.reduce((s, x) => s + x, 0) / deltas.length, 2) : null,
      p50: deltas.length ? round(percentile(deltas, 50), 2) : null,
    },
    costDeltaUsd: { total: round(g.costDelta, 9), mean: g.costPairs ? round(g.costDelta / g.costPairs, 9) : null },
    primaryCostUsd: round(g.primaryCostUsd, 9),
    shadowCostUsd: round(g.shadowCostUsd, 9),
  };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
