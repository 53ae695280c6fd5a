// A usage cell: the counters and latency sketches of some set of requests.
// Cells merge exactly (sums and sketch bins add), which is what lets a
// minute roll up into an hour and any range or grouping be read from them.
import { COUNTER_NAMES, ZERO_COUNTERS, type UsageContribution, type UsageCounters } from './attribute-trace-usage';
import { LatencySketch, type EncodedSketch } from './latency-sketch';

export interface UsageCell {
  counters: UsageCounters;
  latency: LatencySketch;
  ttft: LatencySketch;
  overhead: LatencySketch;
}

/** Stored form: counters in COUNTER_NAMES order, sketches sparse (latency-sketch.ts). */
export interface EncodedCell {
  n: number[];
  l?: EncodedSketch;
  t?: EncodedSketch;
  o?: EncodedSketch;
}

export function newCell(): UsageCell {
  return { counters: { ...ZERO_COUNTERS }, latency: new LatencySketch(), ttft: new LatencySketch(), overhead: new LatencySketch() };
}

export function addContribution(cell: UsageCell, c: UsageContribution): void {
  for (const name of COUNTER_NAMES) cell.counters[name] += c.counters[name];
  if (c.latencyMs !== undefined) cell.latency.add(c.latencyMs);
  if (c.ttftMs !== undefined) cell.ttft.add(c.ttftMs);
  if (c.overheadMs !== undefined) cell.overhead.add(c.overheadMs);
}

export function mergeCell(into: UsageCell, from: UsageCell): void {
  for (const name of COUNTER_NAMES) into.counters[name] += from.counters[name];
  into.latency.merge(from.latency);
  into.ttft.merge(from.ttft);
  into.overhead.merge(from.overhead);
}

export function encodeCell(cell: UsageCell): EncodedCell {
  const e: EncodedCell = { n: COUNTER_NAMES.map((name) => cell.counters[name]) };
  const l = cell.latency.encode();
  const t = cell.ttft.encode();
  const o = cell.overhead.encode();
  if (l) e.l = l;
  if (t) e.t = t;
  if (o) e.o = o;
  return e;
}

/** Adds a stored cell into a live one. */
export function mergeEncodedCell(into: UsageCell, e: EncodedCell): void {
  COUNTER_NAMES.forEach((name, i) => (into.counters[name] += e.n[i] ?? 0));
  into.latency.mergeEncoded(e.l);
  into.ttft.mergeEncoded(e.t);
  into.overhead.mergeEncoded(e.o);
}

export interface UsageFigures {
  requests: number;
  errors: number;
  failedAttempts: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  p50TtftMs: number | null;
  p95TtftMs: number | null;
  p50OverheadMs: number | null;
  p99OverheadMs: number | null;
}

/**
 * What the API reports for a cell. `providerView`: the grouping or a filter
 * is by provider or model, where every failed call counts as a request and
 * an error of the provider that failed it.
 */
export function figures(cell: UsageCell, providerView: boolean): UsageFigures {
  const c = cell.counters;
  const extra = providerView ? c.failedAttempts : 0;
  return {
    requests: c.requests + extra,
    errors: c.errors + extra,
    failedAttempts: c.failedAttempts,
    promptTokens: c.promptTokens,
    completionTokens: c.completionTokens,
    totalTokens: c.totalTokens,
    cachedTokens: c.cachedTokens,
    cacheWriteTokens: c.cacheWriteTokens,
    reasoningTokens: c.reasoningTokens,
    costUsd: c.costNanoUsd / 1e9,
    p50LatencyMs: cell.latency.quantile(0.5),
    p95LatencyMs: cell.latency.quantile(0.95),
    p99LatencyMs: cell.latency.quantile(0.99),
    p50TtftMs: cell.ttft.quantile(0.5),
    p95TtftMs: cell.ttft.quantile(0.95),
    p50OverheadMs: cell.overhead.quantile(0.5),
    p99OverheadMs: cell.overhead.quantile(0.99),
  };
}
