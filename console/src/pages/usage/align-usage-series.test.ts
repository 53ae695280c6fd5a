import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schemas } from '../../api/client';
import { alignUsageSeries, intervalFor, totalsOf, type UsageSeries } from './align-usage-series';

const point = (t: string, requests: number, p95: number | null = 100): Schemas['UsagePoint'] => ({
  t,
  requests,
  errors: requests > 1 ? 1 : 0,
  failedAttempts: 0,
  promptTokens: requests * 6,
  completionTokens: requests * 4,
  totalTokens: requests * 10,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costUsd: requests * 0.5,
  p50LatencyMs: p95 === null ? null : p95 / 2,
  p95LatencyMs: p95,
  p99LatencyMs: p95,
  p50TtftMs: null,
  p95TtftMs: null,
  p50OverheadMs: null,
  p99OverheadMs: null,
});

// The API sends every bucket; this one leaves some out to check the alignment fills them.
const res: UsageSeries = {
  from: '2031-03-01T10:00:00.000Z',
  to: '2031-03-01T10:04:00.000Z',
  interval: 'minute',
  groupBy: 'provider',
  omittedSeries: 0,
  series: [
    { key: 'openai', points: [point('2031-03-01T10:00:00.000Z', 4)] },
    { key: null, points: [point('2031-03-01T10:01:00.000Z', 2, 300), point('2031-03-01T10:02:00.000Z', 0, null), point('2031-03-01T10:03:00.000Z', 1, 120)] },
  ],
};

describe('usage series alignment', () => {
  it('puts every bucket of the range on one axis, counting quiet buckets as 0 and leaving latency empty there', () => {
    const requests = alignUsageSeries(res, 'requests', 0);
    assert.deepEqual(
      requests.xs.map((x) => new Date(x * 1000).toISOString().slice(11, 16)),
      ['10:00', '10:01', '10:02', '10:03'],
    );
    assert.deepEqual(requests.columns, [
      { key: 'openai', values: [4, 0, 0, 0] },
      { key: '(none)', values: [0, 2, 0, 1] },
    ]);
    assert.deepEqual(alignUsageSeries(res, 'p95LatencyMs', null).columns[1]!.values, [null, 300, null, 120]);
  });

  it('totals each group in the API’s order, with the worst bucket p95', () => {
    assert.deepEqual(totalsOf(res), [
      { key: 'openai', requests: 4, errors: 1, totalTokens: 40, costUsd: 2, maxP95LatencyMs: 100 },
      { key: '(none)', requests: 3, errors: 1, totalTokens: 30, costUsd: 1.5, maxP95LatencyMs: 300 },
    ]);
  });

  it('picks an interval with a readable number of buckets', () => {
    assert.equal(intervalFor(3_600_000), 'minute');
    assert.equal(intervalFor(86_400_000), 'hour');
    assert.equal(intervalFor(30 * 86_400_000), 'day');
  });
});
