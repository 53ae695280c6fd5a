// The usage API: attribution (fallbacks, requests no provider saw), series
// for charts, validation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Trace, TraceAttempt } from '../../plugin/contract';
import { startHarness, type Harness } from './harness';

const attempt = (provider: TraceAttempt['provider'], model: string, status: number | null): TraceAttempt => ({
  destinationId: provider,
  provider,
  model,
  status,
  latencyMs: 10,
});

const base = (id: string, time: string, over: Partial<Trace> = {}): Trace => ({
  id,
  time,
  endpoint: 'chat',
  kind: 'chat',
  user: 'alice',
  ingress: 'openai',
  stream: false,
  status: 200,
  provider: 'openai',
  model: 'gpt-4o',
  attempts: [attempt('openai', 'gpt-4o', 200)],
  usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
  costUsd: 0.001,
  latencyMs: 100,
  overheadMs: 2,
  ...over,
});

const TRACES: Trace[] = [
  base('u1', '2031-05-01T10:00:05Z'),
  base('u2', '2031-05-01T10:00:30Z', {
    user: 'bob',
    stream: true,
    ttftMs: 40,
    usage: { promptTokens: 20, completionTokens: 5, totalTokens: 25, cachedTokens: 8 },
  }),
  // openai failed twice (503, timeout), anthropic served it.
  base('u3', '2031-05-01T10:01:10Z', {
    provider: 'anthropic',
    model: 'claude',
    attempts: [attempt('openai', 'gpt-4o', 503), attempt('openai', 'gpt-4o', null), attempt('anthropic', 'claude', 200)],
  }),
  // Every attempt failed: the request belongs to the last provider tried.
  base('u4', '2031-05-01T10:02:00Z', {
    status: 502,
    provider: undefined,
    model: undefined,
    usage: undefined,
    costUsd: undefined,
    attempts: [attempt('openai', 'gpt-4o', 500), attempt('anthropic', 'claude', 529)],
  }),
  // Refused by a budget before any provider call.
  base('u5', '2031-05-01T11:30:00Z', {
    status: 429,
    errorCode: 'budget_exceeded',
    provider: undefined,
    model: undefined,
    usage: undefined,
    costUsd: undefined,
    attempts: [],
  }),
  base('u6', '2031-05-01T11:59:59Z', { endpoint: 'embed', kind: 'embeddings', ingress: 'anthropic', runId: 'run-7' }),
];

describe('usage API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: TRACES }).expect(200);
  });
  after(async () => h?.close());

  const get = async (q: string) => (await h.as('viewer').get(`/api/v1/usage/${q}`).expect(200)).body;
  const WINDOW = 'from=2031-05-01T10:00:00Z&to=2031-05-01T12:00:00Z';

  it('counts failed fallback attempts as errors of the provider that failed them, and keeps requests no provider saw apart', async () => {
    const byProvider = await get(`summary?${WINDOW}&groupBy=provider`);
    const row = (key: string | null) => byProvider.groups.find((g: { key: string | null }) => g.key === key);
    assert.deepEqual(
      byProvider.groups.map((g: { key: string | null; requests: number; errors: number }) => [g.key, g.requests, g.errors]),
      [
        [null, 1, 1],
        ['anthropic', 2, 1],
        ['openai', 6, 3],
      ],
    );
    assert.equal(row('openai').failedAttempts, 3, 'two before anthropic served u3, one before anthropic failed u4');
    assert.ok(!byProvider.groups.some((g: { key: string | null }) => g.key === 'none'));

    const byEndpoint = await get(`summary?${WINDOW}`);
    const chat = byEndpoint.groups[0];
    assert.deepEqual([chat.key, chat.requests, chat.errors, chat.failedAttempts], ['chat', 5, 2, 3], 'requests are requests outside the provider view');

    const openaiOnly = await get(`summary?${WINDOW}&provider=openai`);
    assert.deepEqual(
      openaiOnly.groups.map((g: { key: string; requests: number; errors: number }) => [g.key, g.requests, g.errors]),
      [
        ['chat', 5, 3],
        ['embed', 1, 0],
      ],
      'filtering by provider is the provider view too',
    );
  });

  it('groups by model, user, client API, status class, run and day', async () => {
    const keys = async (groupBy: string) =>
      (await get(`summary?${WINDOW}&groupBy=${groupBy}`)).groups.map((g: { key: string | null; requests: number }) => [g.key, g.requests]);
    assert.deepEqual(await keys('model'), [
      [null, 1],
      ['claude', 2],
      ['gpt-4o', 6],
    ]);
    assert.deepEqual(await keys('user'), [
      ['alice', 5],
      ['bob', 1],
    ]);
    assert.deepEqual(await keys('api'), [
      ['anthropic', 1],
      ['openai', 5],
    ]);
    assert.deepEqual(await keys('status'), [
      [null, 0], // the timeout before anthropic served u3: a failed attempt without an HTTP status
      ['2xx', 4],
      ['4xx', 1],
      ['5xx', 1],
    ]);
    assert.deepEqual(await keys('run'), [['run-7', 1]], 'runs only: requests outside a run are not a run');
    assert.deepEqual(await keys('day'), [['2031-05-01', 6]]);
    const bob = await get(`summary?${WINDOW}&user=bob`);
    assert.equal(bob.user, 'bob');
    assert.deepEqual([bob.groups[0].requests, bob.groups[0].cachedTokens, bob.groups[0].promptTokens], [1, 8, 20]);
    assert.ok(Math.abs(bob.groups[0].p50TtftMs - 40) <= 0.4);
  });

  it('widens the window to whole minutes and reports the one it counted', async () => {
    const s = await get('summary?from=2031-05-01T10:00:20Z&to=2031-05-01T10:01:05Z');
    assert.equal(s.from, '2031-05-01T10:00:00.000Z');
    assert.equal(s.to, '2031-05-01T10:02:00.000Z');
    assert.equal(s.groups[0].requests, 3);
  });

  it('answers chart series: one point per interval, zeros where nothing happened, busiest series first', async () => {
    const s = await get(`series?${WINDOW}&interval=hour&groupBy=endpoint`);
    assert.equal(s.interval, 'hour');
    assert.equal(s.groupBy, 'endpoint');
    assert.deepEqual(
      s.series.map((x: { key: string; points: Array<{ t: string; requests: number }> }) => [x.key, x.points.map((p) => [p.t, p.requests])]),
      [
        [
          'chat',
          [
            ['2031-05-01T10:00:00.000Z', 4],
            ['2031-05-01T11:00:00.000Z', 1],
          ],
        ],
        [
          'embed',
          [
            ['2031-05-01T10:00:00.000Z', 0],
            ['2031-05-01T11:00:00.000Z', 1],
          ],
        ],
      ],
    );
    const empty = s.series[1].points[0];
    assert.deepEqual([empty.errors, empty.costUsd, empty.p50LatencyMs, empty.p99OverheadMs], [0, 0, null, null]);

    const minutes = await get('series?from=2031-05-01T10:00:00Z&to=2031-05-01T10:05:00Z&interval=minute');
    assert.equal(minutes.groupBy, null);
    assert.deepEqual(
      minutes.series.map((x: { key: string }) => x.key),
      ['total'],
    );
    assert.deepEqual(
      minutes.series[0].points.map((p: { requests: number }) => p.requests),
      [2, 1, 1, 0, 0],
    );
    for (const field of [
      'promptTokens',
      'completionTokens',
      'cachedTokens',
      'reasoningTokens',
      'totalTokens',
      'costUsd',
      'p95LatencyMs',
      'p50TtftMs',
      'p95TtftMs',
      'p50OverheadMs',
    ]) {
      assert.ok(field in minutes.series[0].points[0], field);
    }

    const limited = await get(`series?${WINDOW}&groupBy=endpoint&limit=1`);
    assert.deepEqual([limited.series.length, limited.series[0].key, limited.omittedSeries], [1, 'chat', 1]);
    const days = await get('series?from=2031-05-01T00:00:00Z&to=2031-05-03T00:00:00Z&interval=day&groupBy=provider');
    assert.deepEqual(
      days.series.map((x: { key: string | null; points: Array<{ requests: number }> }) => [x.key, x.points.map((p) => p.requests)]),
      [
        ['openai', [6, 0]],
        ['anthropic', [2, 0]],
        [null, [1, 0]],
      ],
    );
  });

  it('refuses bad windows and parameters with the error shape', async () => {
    const backwards = await h.as('viewer').get('/api/v1/usage/series?from=2031-05-02T00:00:00Z&to=2031-05-01T00:00:00Z').expect(400);
    assert.equal(backwards.body.error.code, 'invalid_range');
    const huge = await h.as('viewer').get('/api/v1/usage/series?from=2031-01-01T00:00:00Z&to=2031-05-01T00:00:00Z&interval=minute').expect(400);
    assert.match(huge.body.error.message, /more than 1500 points/);
    const badGroup = await h.as('viewer').get('/api/v1/usage/series?groupBy=day').expect(400);
    assert.match(badGroup.body.error.message, /groupBy/);
    await h.as('viewer').get('/api/v1/usage/series?interval=week').expect(400);
    await h.as('viewer').get('/api/v1/usage/summary?provider=nobody').expect(400);
    await h.as('dataplane').get('/api/v1/usage/series').expect(403);
    // Centuries wide: read only where rollups can exist (the retention, 400 days by default).
    const started = Date.now();
    await h.as('viewer').get(`/api/v1/usage/summary?from=0198-09-23T16:00:00Z&to=${new Date().toISOString()}`).expect(200);
    assert.ok(Date.now() - started < 20_000, 'bounded by the retention, not by the window');
    const future = await h.as('viewer').get('/api/v1/usage/summary?from=2031-01-01T00:00:00Z&to=9999-01-01T00:00:00Z').expect(400);
    assert.match(future.body.error.message, /more than 1000 days/);
  });
});
