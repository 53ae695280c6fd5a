// A usage cell: the counters and latency sketches of some set of requests.
// Cells merge exactly (sums and sketch bins add), which is what lets a
// minute roll up into an hour and any range or grouping be read from them.
import type { DDSketch } from '@datadog/sketches-js';
import { COUNTER_NAMES, ZERO_COUNTERS, type UsageContribution, type UsageCounters } from './attribute-trace-usage';
import { encodeSketch, mergeEncodedSketch, newSketch, quantile, type EncodedSketch } from './latency-sketch';

export interface UsageCell {
  counters: UsageCounters;
  latency: DDSketch;
  ttft: DDSketch;
  overhead: DDSketch;
}

/** Stored form: counters in COUNTER_NAMES order, sketches sparse. */
export interface EncodedCell {
  n: number[];
  l?: EncodedSketch;
  t?: EncodedSketch;
  o?: EncodedSketch;
}

export function newCell(): UsageCell {
  return { counters: { ...ZERO_COUNTERS }, latency: newSketch(), ttft: newSketch(), overhead: newSketch() };
}

export function addContribution(cell: UsageCell, c: UsageContribution): void {
  for (const name of COUNTER_NAMES) cell.counters[name] += c.counters[name];
  if (c.latencyMs !== undefined) cell.latency.accept(c.latencyMs);
  if (c.ttftMs !== undefined) cell.ttft.accept(c.ttftMs);
  if (c.overheadMs !== undefined) cell.overhead.accept(c.overheadMs);
}

export function mergeCell(into: UsageCell, from: UsageCell): void {
  for (const name of COUNTER_NAMES) into.counters[name] += from.counters[name];
  if (from.latency.count) into.latency.merge(from.latency);
  if (from.ttft.count) into.ttft.merge(from.ttft);
  if (from.overhead.count) into.overhead.merge(from.overhead);
}

export function encodeCell(cell: UsageCell): EncodedCell {
  const e: EncodedCell = { n: COUNTER_NAMES.map((name) => cell.counters[name]) };
  const l = encodeSketch(cell.latency);
  const t = encodeSketch(cell.ttft);
  const o = encodeSketch(cell.overhead);
  if (l) e.l = l;
  if (t) e.t = t;
  if (o) e.o = o;
  return e;
}

/** Adds a stored cell into a live one. */
export function mergeEncodedCell(into: UsageCell, e: EncodedCell): void {
  COUNTER_NAMES.forEach((name, i) => (into.counters[name] += e.n[i] ?? 0));
  mergeEncodedSketch(into.latency, e.l);
  mergeEncodedSketch(into.ttft, e.t);
  mergeEncodedSketch(into.overhead, e.o);
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
    p50LatencyMs: quantile(cell.latency, 0.5),
    p95LatencyMs: quantile(cell.latency, 0.95),
    p99LatencyMs: quantile(cell.latency, 0.99),
    p50TtftMs: quantile(cell.ttft, 0.5),
    p95TtftMs: quantile(cell.ttft, 0.95),
    p50OverheadMs: quantile(cell.overhead, 0.5),
    p99OverheadMs: quantile(cell.overhead, 0.99),
  };
}
