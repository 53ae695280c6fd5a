import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Trace } from '../../plugin/contract';
import { startHarness, type Harness } from './harness';

const base = (id: string, over: Partial<Trace>): Trace => ({
  id,
  time: '2031-03-01T10:00:00.000Z',
  endpoint: 'chat',
  kind: 'chat',
  user: 'alice',
  ingress: 'openai',
  stream: false,
  status: 200,
  provider: 'openai',
  model: 'gpt-4o-mini',
  attempts: [],
  latencyMs: 100,
  overheadMs: 1,
  ...over,
});

// 20 chat traces over two days (latency 10..200, 2 errors) and 5 embeddings traces.
const TRACES: Trace[] = [
  ...Array.from({ length: 20 }, (_, i) =>
    base(`c${String(i).padStart(2, '0')}`, {
      time: new Date(Date.UTC(2031, 2, 1 + (i % 2), 10, 0, i)).toISOString(),
      latencyMs: (i + 1) * 10,
      status: i < 2 ? 502 : 200,
      ingress: i >= 15 ? 'responses' : 'openai',
      user: i % 2 ? 'bob' : 'alice',
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      costUsd: 0.1,
    }),
  ),
  ...Array.from({ length: 5 }, (_, i) =>
    base(`e${i}`, {
      endpoint: 'embed',
      kind: 'embeddings',
      provider: 'mistral',
      time: new Date(Date.UTC(2031, 2, 1, 12, 0, i)).toISOString(),
      latencyMs: 5,
      usage: { promptTokens: 100, completionTokens: 0, totalTokens: 100 },
      costUsd: 0.2,
    }),
  ),
];

describe('traces and usage', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    const res = await h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: TRACES }).expect(200);
    assert.equal(res.body.accepted, TRACES.length);
  });
  after(async () => h?.close());

  it('lists newest first and pages with an opaque cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Trace[]; nextCursor: string | null } } = await h
        .as('viewer')
        .get(`/api/v1/traces?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...res.body.items.map((t: Trace) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const expected = [...TRACES].sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1)).map((t) => t.id);
    assert.deepEqual(seen, expected);
  });

  it('filters by endpoint, user, provider, status and time', async () => {
    const ids = async (q: string) => (await h.as('viewer').get(`/api/v1/traces?limit=100&${q}`).expect(200)).body.items.map((t: Trace) => t.id).sort();
    assert.equal((await ids('endpoint=embed')).length, 5);
    assert.equal((await ids('user=bob')).length, 10);
    assert.equal((await ids('provider=mistral')).length, 5);
    assert.deepEqual(await ids('status=502'), ['c00', 'c01']);
    assert.equal((await ids('from=2031-03-02T00:00:00Z')).length, 10);
    assert.equal((await ids('from=2031-03-01T00:00:00Z&to=2031-03-02T00:00:00Z&endpoint=chat')).length, 10);
  });

  it('validates query parameters and cursors', async () => {
    const limit = await h.as('viewer').get('/api/v1/traces?limit=0').expect(400);
    assert.match(limit.body.error.message, /query\.limit: must be >= 1/);
    const from = await h.as('viewer').get('/api/v1/traces?from=yesterday').expect(400);
    assert.match(from.body.error.message, /query\.from: must match format "date-time"/);
    const cursor = await h.as('viewer').get('/api/v1/traces?cursor=bogus').expect(400);
    assert.equal(cursor.body.error.code, 'invalid_cursor');
    const unknown = await h.as('viewer').get('/api/v1/traces?colour=red').expect(400);
    assert.match(unknown.body.error.message, /colour/);
    await h.as('viewer').get('/api/v1/traces/does-not-exist').expect(404);
  });

  it('summarises usage per endpoint with percentiles within 1 %', async () => {
    const res = await h.as('viewer').get('/api/v1/usage/summary?from=2031-03-01T00:00:00Z&to=2031-03-03T00:00:00Z').expect(200);
    assert.equal(res.body.groupBy, 'endpoint');
    const [chat, embed] = res.body.groups;
    const near = (got: number, want: number) => assert.ok(Math.abs(got - want) <= want * 0.01, `${got} vs ${want}`);
    assert.deepEqual(
      [chat.key, chat.requests, chat.errors, chat.promptTokens, chat.completionTokens, chat.totalTokens, chat.costUsd],
      ['chat', 20, 2, 200, 100, 300, 2],
    );
    near(chat.p50LatencyMs, 100);
    near(chat.p95LatencyMs, 190);
    near(chat.p99LatencyMs, 190); // rank 0.99 x (20 - 1): the 19th value
    assert.equal(chat.p50TtftMs, null, 'no streams, no time to first token');
    assert.deepEqual([embed.key, embed.requests, embed.errors, embed.promptTokens, embed.totalTokens, embed.costUsd], ['embed', 5, 0, 500, 500, 1]);
    near(embed.p50LatencyMs, 5);
  });

  it('groups by provider and by UTC day, honouring the range', async () => {
    const byProvider = await h.as('viewer').get('/api/v1/usage/summary?from=2031-03-01T00:00:00Z&to=2031-03-03T00:00:00Z&groupBy=provider').expect(200);
    assert.deepEqual(
      byProvider.body.groups.map((g: { key: string; requests: number }) => [g.key, g.requests]),
      [
        ['mistral', 5],
        ['openai', 20],
      ],
    );
    const byDay = await h.as('viewer').get('/api/v1/usage/summary?from=2031-03-01T00:00:00Z&to=2031-03-03T00:00:00Z&groupBy=day').expect(200);
    assert.deepEqual(
      byDay.body.groups.map((g: { key: string; requests: number }) => [g.key, g.requests]),
      [
        ['2031-03-01', 15],
        ['2031-03-02', 10],
      ],
    );
    const firstDay = await h.as('viewer').get('/api/v1/usage/summary?from=2031-03-01T00:00:00Z&to=2031-03-02T00:00:00Z&groupBy=day').expect(200);
    assert.deepEqual(
      firstDay.body.groups.map((g: { key: string }) => g.key),
      ['2031-03-01'],
    );
    const none = await h.as('viewer').get('/api/v1/usage/summary').expect(200);
    assert.deepEqual(none.body.groups, [], 'default range is the last 24 hours');
  });

  it('counts the stored traces as Prometheus metrics, a replayed trace once', async () => {
    const metric = async (line: string) => {
      const text = (
        await h
          .as('viewer')
          .get('/metrics')
          .expect(200)
          .expect('content-type', /text\/plain/)
      ).text;
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    };
    assert.equal(await metric('llm_gateway_requests_total{endpoint="chat",provider="openai",api="openai",status="200"}'), 13);
    assert.equal(
      await metric('llm_gateway_requests_total{endpoint="chat",provider="openai",api="responses",status="200"}'),
      5,
      'Responses API calls by their own label',
    );
    assert.equal(await metric('llm_gateway_requests_total{endpoint="chat",provider="openai",api="openai",status="502"}'), 2);
    assert.equal(await metric('llm_gateway_tokens_total{endpoint="embed",provider="mistral",direction="prompt"}'), 500);
    assert.equal(await metric('llm_gateway_tokens_total{endpoint="chat",provider="openai",direction="completion"}'), 100);
    assert.ok(Math.abs((await metric('llm_gateway_cost_usd_total{endpoint="chat",provider="openai"}'))! - 2) < 1e-9);
    assert.equal(await metric('llm_gateway_request_duration_seconds_count{endpoint="chat",provider="openai"}'), 20);
    assert.equal(await metric('llm_gateway_request_duration_seconds_bucket{le="0.1",endpoint="chat",provider="openai"}'), 10, 'latencies 10..100 ms');

    // A batch with two stored traces and one new one: only the new one counts.
    const fresh = base('c-new', { status: 429, provider: undefined, errorCode: 'budget_exceeded' });
    const res = await h
      .as('dataplane')
      .post('/api/v1/dataplane/traces')
      .send({ traces: [TRACES[0], fresh, TRACES[1]] })
      .expect(200);
    assert.equal(res.body.accepted, 1);
    assert.equal(await metric('llm_gateway_requests_total{endpoint="chat",provider="openai",api="openai",status="502"}'), 2);
    assert.equal(await metric('llm_gateway_requests_total{endpoint="chat",provider="none",api="openai",status="429"}'), 1);
    assert.equal(await metric('llm_gateway_request_duration_seconds_count{endpoint="chat",provider="openai"}'), 20);
  });
});
