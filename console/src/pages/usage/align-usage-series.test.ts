import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignUsageSeries, intervalFor, totalsOf, type UsagePoint, type UsageSeriesLike } from './align-usage-series';

const point = (t: string, requests: number, p95 = 100): UsagePoint => ({
  t,
  requests,
  errors: requests > 1 ? 1 : 0,
  totalTokens: requests * 10,
  costUsd: requests * 0.5,
  p50LatencyMs: p95 / 2,
  p95LatencyMs: p95,
});

const res: UsageSeriesLike = {
  from: '2031-03-01T10:00:30.000Z',
  to: '2031-03-01T10:04:00.000Z',
  interval: 'minute',
  series: [
    { key: 'chat', points: [point('2031-03-01T10:01:00.000Z', 2, 300), point('2031-03-01T10:03:00.000Z', 1, 120)] },
    { key: 'embed', points: [point('2031-03-01T10:00:00.000Z', 4)] },
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
      { key: 'chat', values: [0, 2, 0, 1] },
      { key: 'embed', values: [4, 0, 0, 0] },
    ]);
    assert.deepEqual(alignUsageSeries(res, 'p95LatencyMs', null).columns[0]!.values, [null, 300, null, 120]);
  });

  it('totals each group, busiest first, with the worst bucket p95', () => {
    assert.deepEqual(totalsOf(res), [
      { key: 'embed', requests: 4, errors: 1, totalTokens: 40, costUsd: 2, maxP95LatencyMs: 100 },
      { key: 'chat', requests: 3, errors: 1, totalTokens: 30, costUsd: 1.5, maxP95LatencyMs: 300 },
    ]);
  });

  it('picks an interval with a readable number of buckets', () => {
    assert.equal(intervalFor(3_600_000), 'minute');
    assert.equal(intervalFor(86_400_000), 'hour');
    assert.equal(intervalFor(30 * 86_400_000), 'day');
  });
});
