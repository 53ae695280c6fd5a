import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Trace, TraceAttempt } from '../../../plugin/contract';
import { attributeTraceUsage } from './attribute-trace-usage';
import { DDSketch } from '@datadog/sketches-js';
import { LatencySketch, RELATIVE_ACCURACY } from './latency-sketch';

const newLibrarySketch = () => new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });

const attempt = (provider: TraceAttempt['provider'], status: number | null, model = 'm'): TraceAttempt => ({
  destinationId: provider,
  provider,
  model,
  status,
  latencyMs: 10,
});

const trace = (over: Partial<Trace>): Trace => ({
  id: 't',
  time: '2031-01-01T00:00:00.000Z',
  endpoint: 'chat',
  kind: 'chat',
  user: 'alice',
  ingress: 'openai',
  stream: false,
  status: 200,
  attempts: [],
  latencyMs: 100,
  overheadMs: 1,
  ...over,
});

describe('attributeTraceUsage', () => {
  it('counts a served request once under its provider and every failed fallback attempt under the provider that failed it', () => {
    const rows = attributeTraceUsage(
      trace({ provider: 'anthropic', model: 'm', attempts: [attempt('openai', 503), attempt('openai', null), attempt('anthropic', 200)], costUsd: 0.25 }),
    );
    assert.deepEqual(
      rows.map((r) => [r.dims.provider, r.dims.status, r.counters.requests, r.counters.errors, r.counters.failedAttempts]),
      [
        ['anthropic', '2xx', 1, 0, 0],
        ['openai', '5xx', 0, 0, 1],
        ['openai', null, 0, 0, 1],
      ],
    );
    assert.equal(rows[0]!.counters.costNanoUsd, 250_000_000);
  });

  it('attributes a request that failed everywhere to the last provider tried, and earlier failures to theirs', () => {
    const rows = attributeTraceUsage(trace({ status: 502, attempts: [attempt('openai', 500), attempt('mistral', 429)] }));
    assert.deepEqual(
      rows.map((r) => [r.dims.provider, r.dims.status, r.counters.requests, r.counters.errors, r.counters.failedAttempts]),
      [
        ['mistral', '5xx', 1, 1, 0],
        ['openai', '5xx', 0, 0, 1],
      ],
    );
  });

  it('gives a request no provider when none was called (a budget refusal), never a provider named "none"', () => {
    const [row, ...rest] = attributeTraceUsage(trace({ status: 429, errorCode: 'budget_exceeded' }));
    assert.equal(rest.length, 0);
    assert.equal(row!.dims.provider, null);
    assert.equal(row!.dims.model, null);
    assert.equal(row!.counters.errors, 1);
  });

  it('does not count the successful parts of a split embeddings request as failures', () => {
    const rows = attributeTraceUsage(trace({ provider: 'cohere', model: 'm', attempts: [attempt('cohere', 200), attempt('cohere', 200)] }));
    assert.equal(rows.length, 1);
  });

  it('keeps the optional token kinds and the run', () => {
    const [row] = attributeTraceUsage(
      trace({
        runId: 'run-1',
        ingress: 'responses',
        provider: 'openai',
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, cachedTokens: 4, cacheWriteTokens: 2, reasoningTokens: 3 },
      }),
    );
    assert.equal(row!.dims.run, 'run-1');
    assert.equal(row!.dims.api, 'responses');
    assert.deepEqual([row!.counters.cachedTokens, row!.counters.cacheWriteTokens, row!.counters.reasoningTokens], [4, 2, 3]);
  });
});

describe('latency sketches', () => {
  it('are within 1 % of the exact quantile and survive their stored form exactly', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 0 : Math.exp(Math.sin(i) * 4 + 5)));
    const s = new LatencySketch();
    for (const v of values) s.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      const got = s.quantile(q)!;
      assert.ok(Math.abs(got - exact) <= exact * 0.01 + 0.01, `q${q}: ${got} vs ${exact}`);
    }
    const copy = new LatencySketch();
    copy.mergeEncoded(s.encode());
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) assert.equal(copy.quantile(q), s.quantile(q));
    // Rollups written before the byte form hold arrays of key deltas and counts: read alike, and mixed with the bytes.
    const bins = [...s.bins()];
    const legacy = { k: bins.map(([k], i) => (i === 0 ? k : k - bins[i - 1]![0])), c: bins.map(([, c]) => c), z: s.zero };
    const mixed = new LatencySketch();
    mixed.mergeEncoded(legacy);
    mixed.mergeEncoded(s.encode());
    assert.equal(mixed.count, 2 * s.count);
    const doubled = new LatencySketch();
    for (const v of [...values, ...values]) doubled.add(v);
    assert.deepEqual([...mixed.bins()], [...doubled.bins()]);
    assert.equal(mixed.zero, doubled.zero);
    // Keys below zero (values under 1 ms), counts past one varint byte.
    const small = new LatencySketch();
    for (let i = 0; i < 100_000; i++) small.add(0.001 + (i % 50) * 0.01);
    const back = new LatencySketch();
    back.mergeEncoded(small.encode());
    assert.deepEqual([...back.bins()], [...small.bins()]);
    assert.ok([...small.bins()][0]![0] < 0, 'negative keys covered');
    // The same values through the library's own sketch: the same answers.
    const reference = s.toDDSketch();
    for (const q of [0, 0.01, 0.1, 0.14, 0.15, 0.5, 0.95, 0.99, 1])
      assert.equal(s.quantile(q), Math.round(reference.getValueAtQuantile(q) * 100) / 100, `q${q}`);
    const library = newLibrarySketch();
    for (const v of values) library.accept(v);
    for (const q of [0.5, 0.95, 0.99]) assert.equal(s.quantile(q), Math.round(library.getValueAtQuantile(q) * 100) / 100, `q${q} as DDSketch.accept`);
    assert.equal(new LatencySketch().quantile(0.5), null);
  });

  it('give the same bins, bytes and quantiles however they were built: added, merged, or read from stored bytes and older arrays', () => {
    const mapping = newLibrarySketch().mapping;
    let seed = 7;
    const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
    for (let n = 0; n <= 40; n++) {
      // Values a few bins apart, some sharing a bin, some too small for one; 0 to 40 of them, as rows of a flush hold.
      const values = Array.from({ length: n }, () => (random() < 0.1 ? 0 : Math.round(300 + random() * 3500)));
      const expected = new Map<number, number>();
      for (const v of values) if (v > mapping.minPossible) expected.set(mapping.key(v), (expected.get(mapping.key(v)) ?? 0) + 1);
      const histogram = [...expected].sort((a, b) => a[0] - b[0]);
      const added = new LatencySketch();
      for (const v of values) added.add(v);
      // Built as a flush builds a coarser cell (merging finer ones) and as a read does (merging stored bytes and older arrays).
      const halves = [new LatencySketch(), new LatencySketch()];
      values.forEach((v, i) => halves[i % 2]!.add(v));
      const merged = new LatencySketch();
      for (const h of halves) merged.merge(h);
      const read = new LatencySketch();
      read.mergeEncoded(halves[0]!.encode());
      const bins = [...halves[1]!.bins()];
      read.mergeEncoded({ k: bins.map(([k], i) => (i === 0 ? k : k - bins[i - 1]![0])), c: bins.map(([, c]) => c), z: halves[1]!.zero });
      const library = newLibrarySketch();
      for (const v of values) library.accept(v);
      for (const [how, sketch] of [
        ['added', added],
        ['merged', merged],
        ['read', read],
      ] as const) {
        assert.deepEqual([...sketch.bins()], histogram, `${n} values ${how}: bins`);
        assert.equal(sketch.count, n, `${n} values ${how}: count`);
        assert.deepEqual(sketch.encode(), added.encode(), `${n} values ${how}: stored bytes`);
        for (const q of [0, 0.25, 0.5, 0.9, 0.99, 1])
          assert.equal(sketch.quantile(q), n === 0 ? null : Math.round(library.getValueAtQuantile(q) * 100) / 100, `${n} values ${how}: q${q}`);
      }
    }
  });
});
