// The rollups against a recount from raw traces: random traffic ingested in
// random batches, replayed and overlapping batches included, concurrently;
// then journals left by a replica that died mid-way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Trace, TraceAttempt } from '../../plugin/contract';
import { attributeTraceUsage, type UsageDims } from '../../control-plane/services/usage/attribute-trace-usage';
import { addContribution, figures, newCell, type UsageCell } from '../../control-plane/services/usage/usage-cell';
import { encodeStoredTrace } from '../../control-plane/services/trace-codec';
import { encodeBlob } from '../../control-plane/services/blob-docs';
import { dayKey } from '../../control-plane/models/trace-store.model';
import { usageStore } from '../../control-plane/models/usage-rollup.model';
import { markRollupLayout } from '../../control-plane/services/usage/layout-marks';
import { buildFromHours } from '../../control-plane/services/usage/coarse-rollups';
import {
  bucketIds,
  CURRENT_LAYOUT,
  isBuiltFromHours,
  isBuiltLevel,
  parseRollupId,
  rollupId,
  USER_PAIRS,
} from '../../control-plane/services/usage/rollup-layout';
import { planUsageRollups } from '../../control-plane/services/usage/plan-usage-rollups';
import { rowsOf, type RowsBody } from '../../control-plane/services/usage/rollup-body';
import { decode } from '@msgpack/msgpack';
import { connectTestDb, partition } from '../helpers/db';
import { startHarness, type Harness } from './harness';

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.ROLLUP_SEED ?? 1931);
const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const START = Date.UTC(2031, 6, 1, 22, 17, 0);
const SPAN = 2.2 * 86_400_000;
const BAND_START = 0.7 * 86_400_000;
const PROVIDERS = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude'],
  ['mistral', 'large'],
] as const;

function randomTrace(i: number): Trace {
  const attempts: TraceAttempt[] = [];
  const tries = 1 + Math.floor(rand() * rand() * 3);
  let served: readonly [TraceAttempt['provider'], string] | undefined;
  for (let k = 0; k < tries; k++) {
    const [provider, model] = pick(PROVIDERS);
    const ok = k === tries - 1 ? rand() < 0.85 : false;
    attempts.push({ destinationId: provider, provider, model, status: ok ? 200 : pick([429, 500, 503, null]), latencyMs: Math.round(rand() * 900) });
    if (ok) served = [provider, model] as const;
  }
  const rejected = rand() < 0.05;
  const stream = rand() < 0.4;
  const status = rejected ? 429 : served ? 200 : pick([502, 503, 504]);
  return {
    id: `r-${SEED}-${i}`,
    // Most traffic in a 3-hour band (as a gateway sends it), the rest late or scattered over two days.
    time: new Date(START + Math.floor(rand() < 0.85 ? BAND_START + rand() * 3 * 3_600_000 : rand() * SPAN)).toISOString(),
    endpoint: pick(['chat', 'embed', 'agent', 'batch']),
    kind: 'chat',
    user: `user-${Math.floor(rand() * rand() * 30)}`,
    ingress: pick(['openai', 'anthropic', 'responses'] as const),
    stream,
    ...(rand() < 0.3 ? { runId: `run-${Math.floor(rand() * 8)}` } : {}),
    status,
    ...(served && !rejected ? { provider: served[0], model: served[1] } : {}),
    attempts: rejected ? [] : attempts,
    ...(served && !rejected
      ? {
          usage: {
            promptTokens: 100,
            completionTokens: 20,
            totalTokens: 120,
            ...(rand() < 0.5 ? { cachedTokens: Math.floor(rand() * 100) } : {}),
            ...(rand() < 0.2 ? { cacheWriteTokens: Math.floor(rand() * 50) } : {}),
            ...(rand() < 0.3 ? { reasoningTokens: Math.floor(rand() * 20) } : {}),
          },
          costUsd: Math.round(rand() * 1e6) / 1e9,
        }
      : {}),
    latencyMs: Math.round(rand() * 30_000) / 10,
    overheadMs: rand() < 0.1 ? 0 : Math.round(rand() * 500) / 100,
    ...(stream && served ? { ttftMs: Math.round(rand() * 20_000) / 10 } : {}),
  };
}

type Key = string | null;
type GroupBy = 'endpoint' | 'provider' | 'model' | 'user' | 'api' | 'status' | 'run' | 'day';

/** The recount: every trace's contributions, grouped by hand. */
function recount(traces: Trace[], from: number, to: number, groupBy: GroupBy, filter: Partial<Record<keyof UsageDims, string>>) {
  const providerView = groupBy === 'provider' || groupBy === 'model' || filter.provider !== undefined || filter.model !== undefined;
  const groups = new Map<Key, UsageCell>();
  for (const t of traces) {
    const time = Date.parse(t.time);
    if (time < from || time >= to) continue;
    for (const c of attributeTraceUsage(t)) {
      if (Object.entries(filter).some(([k, v]) => c.dims[k as keyof UsageDims] !== v)) continue;
      if (groupBy === 'run' && c.dims.run === null) continue;
      const key = groupBy === 'day' ? t.time.slice(0, 10) : c.dims[groupBy];
      let cell = groups.get(key);
      if (!cell) groups.set(key, (cell = newCell()));
      addContribution(cell, c);
    }
  }
  return new Map([...groups].map(([k, cell]) => [k, figures(cell, providerView)]));
}

function assertSame(got: Array<{ key: Key } & Record<string, unknown>>, want: Map<Key, object>, what: string) {
  assert.deepEqual(got.map((g) => g.key).sort(), [...want.keys()].sort(), `${what}: groups`);
  for (const g of got) {
    const w = want.get(g.key)! as Record<string, unknown>;
    for (const [field, value] of Object.entries(w)) {
      if (field === 'costUsd') assert.ok(Math.abs((g[field] as number) - (value as number)) < 1e-9, `${what} ${g.key} ${field}`);
      else assert.equal(g[field], value, `${what} ${String(g.key)} ${field}: ${String(g[field])} vs ${String(value)}`);
    }
  }
}

/** The recount test's traffic (the generator's first 2,500 draws). */
/** Sends one batch through the ingest API; its answer ({accepted, duplicates, rejected}). */
async function postBatch(h: Harness, ts: Trace[]): Promise<{ accepted: number; duplicates: number }> {
  return (await h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: ts }).expect(200)).body;
}

/** Sends traces through the ingest API in batches and waits until the flusher has written them. */
async function ingestAll(h: Harness, ts: Trace[], batch: number) {
  for (let i = 0; i < ts.length; i += batch) await postBatch(h, ts.slice(i, i + batch));
  await h.cp.services.flusher.settled(60_000);
}

const allTraces = Array.from({ length: 2500 }, (_, i) => randomTrace(i));
const traces2500 = () => allTraces;

describe('usage rollups agree with a recount from the raw traces', () => {
  let h: Harness;
  const traces = allTraces;
  const post = (batch: Trace[]) => h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: batch }).expect(200);

  before(async () => {
    h = await startHarness();
    // Random batches, four at a time; every few batches an old one is replayed whole,
    // and some batches overlap the previous one.
    const batches: Trace[][] = [];
    for (let i = 0; i < traces.length;) {
      const size = 1 + Math.floor(rand() * 300);
      const overlap = batches.length && rand() < 0.3 ? batches[batches.length - 1]!.slice(-Math.floor(rand() * 20)) : [];
      batches.push([...overlap, ...traces.slice(i, i + size)]);
      i += size;
    }
    let accepted = 0;
    for (let i = 0; i < batches.length; i += 4) {
      const round = batches.slice(i, i + 4);
      if (i > 0 && rand() < 0.5) round.push(pick(batches.slice(0, i)));
      const results = await Promise.all(round.map(post));
      accepted += results.reduce((n, r) => n + (r.body.accepted as number), 0);
    }
    assert.equal(accepted, traces.length, 'every trace accepted exactly once');
    await h.cp.services.flusher.settled(120_000);
  });
  after(async () => h?.close());

  const summary = async (q: string) => (await h.as('viewer').get(`/api/v1/usage/summary?${q}`).expect(200)).body;

  const windows: Array<[number, number]> = [
    [START - 3_600_000, START + SPAN + 3_600_000],
    [Date.UTC(2031, 6, 2, 3, 41), Date.UTC(2031, 6, 3, 11, 7)],
    [Date.UTC(2031, 6, 2, 0, 0), Date.UTC(2031, 6, 3, 0, 0)],
    [Date.UTC(2031, 6, 2, 13, 59), Date.UTC(2031, 6, 2, 14, 1)],
    // Six-hour buckets with hours, 10-minute and minute buckets on both sides.
    [Date.UTC(2031, 6, 2, 5, 49), Date.UTC(2031, 6, 2, 18, 11)],
    [Date.UTC(2031, 6, 1, 23, 59), Date.UTC(2031, 6, 3, 6, 1)],
  ];

  for (const groupBy of ['endpoint', 'provider', 'model', 'user', 'api', 'status', 'run', 'day'] as GroupBy[]) {
    it(`summary by ${groupBy} over unaligned and multi-day windows`, async () => {
      for (const [from, to] of windows) {
        const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&groupBy=${groupBy}`;
        assertSame((await summary(q)).groups, recount(traces, from, to, groupBy, {}), q);
      }
    });
  }

  it('summaries with filters (user, provider, run, model, api, endpoint) and their combinations', async () => {
    const [from, to] = windows[1]!;
    const w = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const cases: Array<[GroupBy, Partial<Record<keyof UsageDims, string>>]> = [
      ['endpoint', { user: 'user-0' }],
      ['model', { user: 'user-1', endpoint: 'chat' }],
      ['endpoint', { provider: 'openai' }],
      ['user', { provider: 'anthropic' }],
      ['status', { provider: 'mistral' }],
      ['user', { run: 'run-3' }],
      ['api', { model: 'gpt-4o' }],
      ['provider', { api: 'responses', endpoint: 'agent' }],
      // Users grouped with one filtered dimension (the user pairs), and with two (every shard of u).
      ['user', { endpoint: 'chat' }],
      ['user', { model: 'gpt-4o' }],
      ['user', { provider: 'openai', model: 'gpt-4o-mini' }],
      ['user', { api: 'anthropic' }],
      ['user', { endpoint: 'agent', provider: 'openai' }],
    ];
    // Read from users, runs or user pairs (kept from 10 minutes up): counted by whole 10 minutes, and the answer says so.
    const tenMinutes = (groupBy: GroupBy, filter: object) => 'user' in filter || 'run' in filter || groupBy === 'user' || groupBy === 'run';
    for (const [groupBy, filter] of cases) {
      const q = `${w}&groupBy=${groupBy}&${new URLSearchParams(filter as Record<string, string>).toString()}`;
      const res = await summary(q);
      const [wantFrom, wantTo] = tenMinutes(groupBy, filter) ? [Date.UTC(2031, 6, 2, 3, 40), Date.UTC(2031, 6, 3, 11, 10)] : [from, to];
      assert.deepEqual([res.from, res.to], [new Date(wantFrom).toISOString(), new Date(wantTo).toISOString()], q);
      assertSame(res.groups, recount(traces, wantFrom, wantTo, groupBy, filter), q);
    }
  });

  it('series of one user or run: by the hour as recounted; by the minute refused with a clear error', async () => {
    const from = Date.UTC(2031, 6, 2, 3, 0);
    const to = from + 30 * 3_600_000;
    for (const filter of [{ user: 'user-1' }, { run: 'run-3' }, { endpoint: 'chat' }] as Array<Record<string, string>>) {
      const query = (end: number, interval: string) =>
        `from=${new Date(from).toISOString()}&to=${new Date(end).toISOString()}&${new URLSearchParams(filter).toString()}&groupBy=user&limit=100&interval=${interval}`;
      const res = (
        await h
          .as('viewer')
          .get(`/api/v1/usage/series?${query(to, 'hour')}`)
          .expect(200)
      ).body;
      for (let i = 0; i < 30; i++) {
        const want = recount(traces, from + i * 3_600_000, from + (i + 1) * 3_600_000, 'user', filter);
        const got = res.series.flatMap((s: { key: Key; points: Array<Record<string, unknown>> }) =>
          (s.points[i]!.requests as number) > 0 ? [{ key: s.key, ...s.points[i]! }] : [],
        );
        assertSame(got, want, `${query(to, 'hour')} point ${i}`);
      }
      const refused = await h
        .as('viewer')
        .get(`/api/v1/usage/series?${query(from + 3_600_000, 'minute')}`)
        .expect(400);
      assert.equal(refused.body.error.code, 'invalid_range');
      assert.match(refused.body.error.message, /kept by 10 minutes; use interval=hour/);
    }
  });

  it('series points equal the recount of their interval', async () => {
    for (const [interval, step, from, n] of [
      ['minute', 60_000, Date.UTC(2031, 6, 2, 9, 0), 90],
      ['hour', 3_600_000, Date.UTC(2031, 6, 1, 20, 0), 60],
      ['day', 86_400_000, Date.UTC(2031, 6, 1), 4],
    ] as const) {
      const to = from + n * step;
      const res = (
        await h
          .as('viewer')
          .get(`/api/v1/usage/series?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&interval=${interval}&groupBy=provider&limit=100`)
          .expect(200)
      ).body;
      for (let i = 0; i < n; i++) {
        const want = recount(traces, from + i * step, from + (i + 1) * step, 'provider', {});
        const got = res.series.flatMap((s: { key: Key; points: Array<Record<string, unknown>> }) =>
          (s.points[i]!.requests as number) > 0 ? [{ key: s.key, ...s.points[i]! }] : [],
        );
        assertSame(got, want, `${interval} point ${i}`);
      }
    }
  });

  it('lists every stored trace once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Trace[]; nextCursor: string | null } } = await h
        .as('viewer')
        .get(`/api/v1/traces?limit=500&user=user-2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const want = traces
      .filter((t) => t.user === 'user-2')
      .sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1))
      .map((t) => t.id);
    assert.deepEqual(seen, want);
  });
});

describe('rollups written before six-hour buckets existed', () => {
  it('are read by the hour until the six-hour buckets are complete', async () => {
    const db = await connectTestDb('sixhours');
    const first = await startHarness({ db });
    const since = Date.UTC(2031, 6, 2, 12);
    const stored = traces2500().filter((t) => t.time.startsWith('2031-07-02'));
    const window = [Date.UTC(2031, 6, 2, 0, 3), Date.UTC(2031, 6, 3, 0, 0)] as const;
    const q = `from=${new Date(window[0]).toISOString()}&to=${new Date(window[1]).toISOString()}&groupBy=user`;
    try {
      await ingestAll(first, stored, 200);
    } finally {
      await first.close();
    }
    // As an older version left them: no six-hour documents before `since`, and the mark an upgrade records.
    const rollups = db.db.collection<{ _id: string }>('usage_rollups');
    const older = (await rollups.find({}).toArray()).filter((d) => d._id.split('|')[1] === 'q' && Date.parse(d._id.split('|')[2]!) < since);
    assert.ok(older.length > 0, 'six-hour documents to remove');
    for (const d of older) await rollups.deleteOne({ _id: d._id });
    await db.db.collection<{ _id: string; since: number }>('usage_layout').replaceOne({ _id: 'q' }, { since }, { upsert: true });
    const second = await startHarness({ db });
    try {
      const got = (await second.as('viewer').get(`/api/v1/usage/summary?${q}`).expect(200)).body.groups as Array<{ key: string; requests: number }>;
      const want = recount(stored, window[0], window[1], 'user', {});
      assert.deepEqual(
        got.map((g) => [g.key, g.requests]),
        [...want].map(([k, f]) => [k, f.requests]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
      );
    } finally {
      await second.close();
      await db.close();
    }
  });

  it('are complete from the next six-hour boundary on a database that had rollups, and from the start on a new one', async () => {
    const db = await connectTestDb('sixmark');
    try {
      const store = usageStore({ db: db.db } as never);
      const now = Date.UTC(2031, 0, 1, 7, 30);
      await store.rollups().insertOne({ _id: 'S|h|2031-01-01T06:00:00.000Z', v: 1, s: {}, b: encodeBlob([]) });
      const marked = { sixHoursSince: Date.UTC(2031, 0, 1, 12), userShardsSince: Date.UTC(2031, 0, 2), userPairsSince: Date.UTC(2031, 0, 2) };
      assert.deepEqual(await markRollupLayout(store, now), marked);
      assert.deepEqual(await markRollupLayout(store, now + 86_400_000), marked, 'recorded once');
      await store.layout().deleteMany({});
      await store.rollups().deleteMany({});
      assert.deepEqual(await markRollupLayout(store, now), CURRENT_LAYOUT);
    } finally {
      await db.close();
    }
  });
});

describe('small batches close together', () => {
  it('are applied as one group after five seconds; a read in between has them applied for it', async () => {
    const h = await startHarness();
    try {
      const t = (i: number): Trace => ({
        ...randomTrace(0),
        id: `small-${i}`,
        time: new Date(Date.UTC(2031, 8, 1, 10, i % 60)).toISOString(),
        endpoint: 'small',
        user: 's',
      });
      const post = (from: number) =>
        h
          .as('dataplane')
          .post('/api/v1/dataplane/traces')
          .send({ traces: [t(from), t(from + 1)] })
          .expect(200);
      const summary = async () =>
        (await h.as('viewer').get('/api/v1/usage/summary?from=2031-09-01T10:00:00Z&to=2031-09-01T11:00:00Z').expect(200)).body as {
          groups: Array<{ requests: number }>;
        };
      // Eight batches 100 ms apart, as a data plane flushing every 100 ms sends them; nothing reads meanwhile.
      await post(0);
      await h.cp.services.flusher.settled(10_000);
      const before = h.cp.services.flusher.groupsApplied;
      const started = Date.now();
      for (let i = 2; i < 18; i += 2) {
        await post(i);
        await new Promise((r) => setTimeout(r, 100));
      }
      // At most one group per five seconds while they arrive (about 1 s; more on a loaded machine), and one more.
      const seconds = Math.ceil((Date.now() - started) / 1000);
      await new Promise((r) => setTimeout(r, 5_500));
      const groups = h.cp.services.flusher.groupsApplied - before;
      assert.ok(groups >= 1 && groups <= Math.ceil(seconds / 5) + 1, `8 batches over ${seconds} s in ${groups} groups`);
      assert.equal((await summary()).groups[0]!.requests, 18);
      // A read right after a batch sees it (it waits for the batch's group, which then goes at once).
      await post(18);
      assert.equal((await summary()).groups[0]!.requests, 20);
    } finally {
      await h.close();
    }
  });
});

describe('GATEWAY_INGEST_GROUP_TRACES', () => {
  it('caps the traces applied in one group; every trace is still counted once', async () => {
    const h = await startHarness({ config: { ingestGroupTraces: 1_000 } });
    try {
      const t = (i: number): Trace => ({
        ...randomTrace(0),
        id: `capped-${i}`,
        time: new Date(Date.UTC(2031, 9, 1, 10, i % 60)).toISOString(),
        endpoint: 'capped',
      });
      await h.cp.services.flusher.settled(10_000);
      const before = h.cp.services.flusher.groupsApplied;
      // 5,000 traces within well under the second a group waits for more: without the cap, one or two groups.
      await Promise.all(
        Array.from({ length: 5 }, (_, b) =>
          h
            .as('dataplane')
            .post('/api/v1/dataplane/traces')
            .send({ traces: Array.from({ length: 1_000 }, (_, i) => t(b * 1_000 + i)) })
            .expect(200),
        ),
      );
      // A read waits at most 2 s for earlier ingest; five groups one after another may take longer.
      await h.cp.services.flusher.settled(30_000);
      const summary = (await h.as('viewer').get('/api/v1/usage/summary?from=2031-10-01T10:00:00Z&to=2031-10-01T11:00:00Z').expect(200)).body as {
        groups: Array<{ requests: number }>;
      };
      assert.equal(summary.groups[0]!.requests, 5_000);
      const groups = h.cp.services.flusher.groupsApplied - before;
      assert.ok(groups >= 5, `5,000 traces in ${groups} groups of at most 1,000`);
    } finally {
      await h.close();
    }
  });
});

describe('journals left by a replica that died', () => {
  it('are applied by the next control plane exactly once, whether or not the dead one got part of the way', async () => {
    const db = await connectTestDb('orphans');
    const first = await startHarness({ db });
    const t = (id: string, minute: number): Trace => ({
      ...randomTrace(0),
      id,
      time: new Date(Date.UTC(2031, 7, 1, 10, minute)).toISOString(),
      endpoint: 'orphans',
      user: 'o',
    });
    // Applied by the first replica, then it "dies" before deleting its journal.
    await first
      .as('dataplane')
      .post('/api/v1/dataplane/traces')
      .send({ traces: [t('a1', 1), t('a2', 2)] })
      .expect(200);
    const journal = db.db.collection('ingest_journal');
    const replica = first.cp.services.flusher.replica;
    await first.close();
    await journal.insertOne({
      _id: `${replica}:1` as never,
      r: replica,
      n: 1,
      at: new Date(),
      b: encodeBlob([
        ['a1', '20310801'],
        ['a2', '20310801'],
      ]),
    });
    // Stored by a replica that died before applying anything: traces tagged with its journal.
    const dead = 'deadbeef0001';
    const lost = [t('b1', 3), t('b2', 4), t('b3', 5)];
    await journal.insertOne({ _id: `${dead}:7` as never, r: dead, n: 7, at: new Date(), b: encodeBlob(lost.map((x) => [x.id, dayKey(Date.parse(x.time))])) });
    await (await partition(db, 'traces_20310801')).insertMany(lost.map((x) => encodeStoredTrace(x, new Date(x.time), `${dead}:7`).doc) as never[]);
    await db.db.collection('ingest_replicas').deleteMany({});

    const second = await startHarness({ db });
    try {
      const deadline = Date.now() + 30_000;
      while ((await journal.countDocuments()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await journal.countDocuments(), 0, 'both journals handled');
      const s = (await second.as('viewer').get('/api/v1/usage/summary?from=2031-08-01T10:00:00Z&to=2031-08-01T11:00:00Z').expect(200)).body;
      assert.deepEqual(
        s.groups.map((g: { key: string; requests: number }) => [g.key, g.requests]),
        [['orphans', 5]],
      );
      const list = (await second.as('viewer').get('/api/v1/traces?endpoint=orphans').expect(200)).body;
      assert.deepEqual(
        list.items.map((x: Trace) => x.id),
        ['b3', 'b2', 'b1', 'a2', 'a1'],
      );
      const replay = await second.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: lost }).expect(200);
      assert.equal(replay.body.duplicates, 3);
      const again = (await second.as('viewer').get('/api/v1/usage/summary?from=2031-08-01T10:00:00Z&to=2031-08-01T11:00:00Z').expect(200)).body;
      assert.equal(again.groups[0].requests, 5);
    } finally {
      await second.close();
      await db.close();
    }
  });
});

describe('the rollup thread', () => {
  it('lost in the middle of groups, again and again: the control plane keeps answering, the groups are planned again and counted once', async () => {
    const db = await connectTestDb('rollup-thread');
    const h = await startHarness({ db });
    try {
      const { flusher } = h.cp.services;
      // The thread ends right after it planned each of the first three groups, before any merge.
      const plan = flusher.planner.plan.bind(flusher.planner);
      let kills = 0;
      flusher.planner.plan = async (...args) => {
        const planned = await plan(...args);
        if (kills < 3) {
          kills++;
          await flusher.planner.kill();
        }
        return planned;
      };
      const traces = traces2500().slice(0, 600);
      await ingestAll(h, traces, 200);
      assert.equal(kills, 3);
      const from = START - 3_600_000;
      const to = START + SPAN + 3_600_000;
      const window = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
      for (const groupBy of ['endpoint', 'user', 'model'] as const) {
        const got = (await h.as('viewer').get(`/api/v1/usage/summary?${window}&groupBy=${groupBy}`).expect(200)).body;
        assertSame(got.groups, recount(traces, from, to, groupBy, {}), `after lost threads, by ${groupBy}`);
      }
      // Replayed: nothing is added.
      assert.equal((await postBatch(h, traces.slice(0, 200))).duplicates, 200);
      await flusher.settled(30_000);
      const again = (await h.as('viewer').get(`/api/v1/usage/summary?${window}&groupBy=endpoint`).expect(200)).body;
      assertSame(again.groups, recount(traces, from, to, 'endpoint', {}), 'after a replay');
    } finally {
      await h.close();
      await db.close();
    }
  });
});

describe('six-hour and day rollups of users and runs, built from their hours', () => {
  const HOUR = 3_600_000;
  const rename = (ts: Trace[], tag: string, shift = (t: number) => t) =>
    ts.map((t) => ({ ...t, id: `${tag}${t.id}`, time: new Date(shift(Date.parse(t.time))).toISOString() }));
  const post = (h: Harness, ts: Trace[]) => ingestAll(h, ts, 250);
  /** Queries served by the user (u), run (r) and (`pairs`) user-pair families, over each window, against the recount. */
  async function check(h: Harness, traces: Trace[], windows: Array<[number, number]>, what: string, pairs = false) {
    const cases: Array<[GroupBy, Partial<Record<keyof UsageDims, string>>]> = [
      ['user', { provider: 'openai', api: 'openai' }],
      ['endpoint', { user: 'user-1' }],
      ['day', { user: 'user-0' }],
      ['user', { run: 'run-3' }],
      ['run', { endpoint: 'chat' }],
      // A user's own rows of a shard (rollup-body.ts), alone and with other filters; users and runs grouped.
      ['model', { user: 'user-2' }],
      ['provider', { user: 'user-0', endpoint: 'chat' }],
      ['run', { user: 'user-1' }],
      ['endpoint', { run: 'run-5' }],
      ['user', {}],
      ['user', { endpoint: 'embed', model: 'claude' }],
      // The user pairs (their six-hour and day documents are built too).
      ...(pairs
        ? ([
            ['user', { endpoint: 'embed' }],
            ['user', { model: 'claude' }],
          ] satisfies Array<[GroupBy, Partial<Record<keyof UsageDims, string>>]>)
        : []),
    ];
    const queries = windows.flatMap(([from, to]) => cases.map(([groupBy, filter]) => ({ from, to, groupBy, filter })));
    // Three at a time: a read waits on FerretDB as much as on the control plane (~20 % less time than one by one).
    const next = async (): Promise<void> => {
      const one = queries.shift();
      if (!one) return;
      const { from, to, groupBy, filter } = one;
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&groupBy=${groupBy}&${new URLSearchParams(filter as Record<string, string>).toString()}`;
      const res = (await h.as('viewer').get(`/api/v1/usage/summary?${q}`).expect(200)).body;
      // Users and runs in detail are counted by whole 10 minutes: the window the answer gives.
      assert.ok(Date.parse(res.from) <= from && from - Date.parse(res.from) < 600_000 && Date.parse(res.to) >= to && Date.parse(res.to) - to < 600_000, q);
      assertSame(res.groups, recount(traces, Date.parse(res.from), Date.parse(res.to), groupBy, filter), `${what}: ${q}`);
      return next();
    };
    await Promise.all([next(), next(), next()]);
  }
  const builtDocs = async (db: { db: { collection: (n: string) => { find: (f: object) => { toArray: () => Promise<unknown[]> } } } }) =>
    ((await db.db.collection('usage_rollups').find({}).toArray()) as Array<{ _id: string; v: number; b: { buffer: Uint8Array } }>).filter((d) =>
      isBuiltFromHours(d._id),
    );

  it('agree with a recount before, during and after the builds (days from six-hour documents), across a restart mid-build and late traffic; building again changes nothing', async () => {
    const db = await connectTestDb('built');
    // 2031 traffic: periods not over yet, so no heartbeat builds them; the test builds them by hand and through buildDue.
    const first = rename(allTraces.slice(0, 1200), 'b1-');
    const late = rename(allTraces.slice(1200), 'b2-');
    const windows: Array<[number, number]> = [
      [START - HOUR, START + SPAN + HOUR],
      [Date.UTC(2031, 6, 1, 23, 59), Date.UTC(2031, 6, 3, 6, 1)],
      [Date.UTC(2031, 6, 2, 5, 49), Date.UTC(2031, 6, 2, 18, 11)],
    ];
    let h = await startHarness({ db });
    try {
      await post(h, first);
      assert.deepEqual(await builtDocs(db), [], 'flushes leave them to the build');
      await check(h, first, windows, 'from hours', true);

      // Half of them built (as a build cut short would leave them), then a restart.
      const ids = (['u', 'r'] as const).flatMap((family) =>
        [
          ...Array.from({ length: 14 }, (_, k) => ['q', Date.UTC(2031, 6, 1) + k * 6 * HOUR] as const),
          ...Array.from({ length: 4 }, (_, k) => ['d', Date.UTC(2031, 6, 1) + k * 24 * HOUR] as const),
        ]
          .flatMap(([g, t]) => bucketIds(family, g, t, CURRENT_LAYOUT))
          // Users' first sixteen shards of 64 (rollup-layout.ts) are enough to have some built and some empty, and cost a quarter of the time.
          .filter((id) => family === 'r' || Number(id.split('|')[3]) < 16),
      );
      const results = [];
      for (const id of ids.filter((_, i) => i % 2 === 0)) results.push(await buildFromHours(db.db.collection('usage_rollups'), id));
      assert.ok(results.includes('built') && results.includes('empty'), `some built, some empty: ${results.join()}`);
      await check(h, first, windows, 'half built', true);
      await h.close();
      h = await startHarness({ db });
      await check(h, first, windows, 'half built, after a restart', true);

      // Late traffic lands in built and unbuilt periods alike: a built document of a period it adds to is
      // deleted (reads use its parts) rather than rewritten, and built again below.
      const builtBeforeLate = new Set((await builtDocs(db)).map((d) => d._id));
      await post(h, late);
      const builtAfterLate = new Set((await builtDocs(db)).map((d) => d._id));
      const touched = [...planUsageRollups(late, CURRENT_LAYOUT, isBuiltLevel).keys()].filter((id) => builtBeforeLate.has(id));
      assert.ok(touched.length > 10, `late traffic adds to built periods (${touched.length} documents)`);
      assert.deepEqual(
        [...builtBeforeLate].filter((id) => !builtAfterLate.has(id)).sort(),
        touched.sort(),
        'exactly the built documents late traffic adds to are gone',
      );
      await check(h, [...first, ...late], windows, 'late traffic', true);

      // Reads while the rest is built (days from six-hour documents, some built, some not; what the
      // flusher knows to be unbuilt through it, the periods only the process before the restart touched by hand), then after.
      const later = Date.UTC(2032, 0, 1);
      let building = true;
      let readsWhileBuilding = 0;
      const builds = (async () => {
        for (const [i, id] of ids.entries()) {
          await buildFromHours(db.db.collection('usage_rollups'), id);
          // Half way, the builds wait for a round of reads to end, so that two rounds overlap them however fast either runs.
          if (i === ids.length >> 1) while (readsWhileBuilding < 1) await new Promise((r) => setTimeout(r, 10));
        }
        await h.cp.services.flusher.buildDue(later);
      })().finally(() => (building = false));
      while (building && readsWhileBuilding < 2) {
        await check(h, [...first, ...late], windows, 'while building', true);
        readsWhileBuilding++;
      }
      await builds;
      assert.equal(readsWhileBuilding, 2, 'two rounds of reads ran while builds were under way');
      assert.equal(h.cp.services.flusher.pendingBuilds(later), 0);
      for (const id of ids) assert.notEqual(await buildFromHours(db.db.collection('usage_rollups'), id), 'built', id);
      const built = await builtDocs(db);
      await check(h, [...first, ...late], windows, 'all built', true);

      // Idempotent: building again, and a replayed batch, change nothing.
      for (const id of ids) assert.notEqual(await buildFromHours(db.db.collection('usage_rollups'), id), 'built', id);
      await h.cp.services.flusher.buildDue(Date.UTC(2032, 0, 1));
      assert.equal((await postBatch(h, late.slice(0, 200))).duplicates, 200);
      await h.cp.services.flusher.settled(60_000);
      assert.deepEqual(
        (await builtDocs(db)).map((d) => [d._id, d.v, Buffer.from(d.b.buffer).toString('base64')]),
        built.map((d) => [d._id, d.v, Buffer.from(d.b.buffer).toString('base64')]),
      );
      await check(h, [...first, ...late], windows, 'after building again and a replay', true);
    } finally {
      await h.close();
      await db.close();
    }
  });

  it('documents of users and runs written as one array of rows (before rows were kept per user or run) are read, merged into and built from', async () => {
    const db = await connectTestDb('arrayrows');
    const first = rename(allTraces.slice(0, 1000), 'b4-');
    const late = rename(allTraces.slice(1000, 1600), 'b5-');
    const windows: Array<[number, number]> = [
      [START - HOUR, START + SPAN + HOUR],
      [Date.UTC(2031, 6, 2, 5, 49), Date.UTC(2031, 6, 2, 18, 11)],
    ];
    const h = await startHarness({ db });
    try {
      await post(h, first);
      // As the earlier version wrote them: the rows of every user (or run) of the shard in one array.
      const collections = [
        db.db.collection('usage_rollups'),
        ...(await Promise.all(['20310701', '20310702', '20310703'].map((d) => partition(db, `usage_minutes_${d}`)))),
      ];
      let rewritten = 0;
      for (const coll of collections) {
        for (const doc of (await coll.find({}).toArray()) as unknown as Array<{ _id: string; b: { buffer: Uint8Array } }>) {
          if (!['u', 'r'].includes(doc._id[0]!)) continue;
          const body = decode(doc.b.buffer) as RowsBody;
          assert.ok(!Array.isArray(body), `${doc._id}: rows kept per ${doc._id[0] === 'u' ? 'user' : 'run'}`);
          await coll.updateOne({ _id: doc._id as never }, { $set: { b: encodeBlob(rowsOf(body)) } });
          rewritten++;
        }
      }
      assert.ok(rewritten > 0, 'documents rewritten as arrays');
      await check(h, first, windows, 'array rows');
      // Late traffic merges into them (they take the grouped form), then the periods are built from both forms.
      await post(h, late);
      await check(h, [...first, ...late], windows, 'array rows merged into');
      await h.cp.services.flusher.buildDue(Date.UTC(2032, 0, 1));
      await check(h, [...first, ...late], windows, 'built from array rows');
    } finally {
      await h.close();
      await db.close();
    }
  });

  it('of users in eight shards before the layout mark (as an older version wrote them) and in more after it are written, built and read each in its own', async () => {
    const db = await connectTestDb('usershards');
    const mark = Date.UTC(2031, 6, 2);
    const first = rename(allTraces.slice(0, 1000), 'b6-');
    const late = rename(allTraces.slice(1000, 1500), 'b7-');
    // Across the mark: hours, six-hour and day documents on both sides (whole spans are checked in the tests above).
    const windows: Array<[number, number]> = [[Date.UTC(2031, 6, 1, 5, 49), Date.UTC(2031, 6, 3, 6, 11)]];
    // As an upgrade of a database that had rollups records it (layout-marks.ts), before this control plane starts.
    await db.db.collection<{ _id: string; since: number }>('usage_layout').insertMany([
      { _id: 'q', since: 0 },
      { _id: 'u', since: mark },
    ]);
    const h = await startHarness({ db });
    try {
      await post(h, first);
      const shards = new Set(
        ((await db.db.collection('usage_rollups').find({}).toArray()) as unknown as Array<{ _id: string }>)
          .map((d) => d._id.split('|'))
          .filter(([family, g]) => family === 'u' && g === 'h')
          .map(([, , iso, shard]) => `${Date.parse(iso!) < mark ? 'before' : 'after'}:${Number(shard) < 8 ? 'low' : 'high'}`),
      );
      assert.deepEqual([...shards].sort(), ['after:high', 'after:low', 'before:low'], 'eight shards before the mark, more after');
      await check(h, first, windows, 'either layout');
      await post(h, late);
      await h.cp.services.flusher.buildDue(Date.UTC(2032, 0, 1));
      await check(h, [...first, ...late], windows, 'either layout, late traffic, built');
    } finally {
      await h.close();
      await db.close();
    }
  });

  it('grouped by user with a filter: read from the user pairs after their layout mark, from the users before it', async () => {
    const db = await connectTestDb('userpairs');
    const mark = Date.UTC(2031, 6, 3);
    const traces = rename(allTraces.slice(0, 1000), 'p1-');
    const windows: Array<[number, number]> = [
      [Date.UTC(2031, 6, 1, 23, 59), Date.UTC(2031, 6, 3, 6, 1)],
      [mark, Date.UTC(2031, 6, 4, 6)],
    ];
    const cases: Array<Partial<Record<keyof UsageDims, string>>> = [{ endpoint: 'chat' }, { provider: 'anthropic' }, { model: 'gpt-4o' }, { api: 'responses' }];
    await db.db.collection<{ _id: string; since: number }>('usage_layout').insertMany([
      { _id: 'q', since: 0 },
      { _id: 'u', since: 0 },
      { _id: 'p', since: mark },
    ]);
    const h = await startHarness({ db });
    try {
      await post(h, traces);
      // An older version wrote no pairs: only what came after the mark holds them.
      const rollups = db.db.collection<{ _id: string }>('usage_rollups');
      const pairs = (await rollups.find({}).toArray()).map((d) => d._id).filter((id) => (USER_PAIRS as readonly string[]).includes(id.split('|')[0]!));
      const older = pairs.filter((id) => Date.parse(id.split('|')[2]!) < mark);
      assert.ok(older.length > 0 && older.length < pairs.length, 'pair documents on both sides of the mark');
      await rollups.deleteMany({ _id: { $in: older } });
      const check = async (what: string, ws: Array<[number, number]>) => {
        for (const [from, to] of ws) {
          for (const filter of cases) {
            const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&groupBy=user&${new URLSearchParams(filter as Record<string, string>).toString()}`;
            const got = (await h.as('viewer').get(`/api/v1/usage/summary?${q}`).expect(200)).body.groups;
            assertSame(got, recount(traces, from, to, 'user', filter), `${what}: ${q}`);
          }
        }
      };
      await check('either layout', windows);
    } finally {
      await h.close();
      await db.close();
    }
  });

  it('are built by a control plane that starts after the periods ended, and then read', async () => {
    const db = await connectTestDb('builtstart');
    // The recount traffic moved to end two hours ago: the periods of the last two days are over.
    const end = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const traces = rename(allTraces.slice(0, 800), 'b3-', (t) => end - 36 * HOUR + ((t - START) / SPAN) * 35 * HOUR);
    const windows: Array<[number, number]> = [
      [end - 40 * HOUR, end],
      [end - 30 * HOUR + 7 * 60_000, end - 3 * HOUR - 60_000],
    ];
    // A document's period: its id without the shard.
    const period = (id: string) => {
      const { family, g, start } = parseRollupId(id);
      return rollupId(family, g, start);
    };
    const touched = new Set([...planUsageRollups(traces, CURRENT_LAYOUT, isBuiltLevel).keys()].map(period));
    const builtOfTouched = async () => (await builtDocs(db)).filter((d) => touched.has(period(d._id))).map((d) => d._id);
    let h = await startHarness({ db });
    try {
      await post(h, traces);
      // The periods the traffic added to wait until they are quiet. (A period's family without rows, such as one
      // with traffic but no runs, may be built at once as an empty document: nothing will change it until a flush
      // adds to it, which deletes it. Which periods those are depends on the hour the test runs.)
      assert.deepEqual(await builtOfTouched(), [], 'just touched: not built yet');
      await check(h, traces, windows, 'from hours');
      await h.close();
      h = await startHarness({ db });
      const deadline = Date.now() + 60_000;
      while ((await builtOfTouched()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok((await builtOfTouched()).length > 0, 'built on start');
      await check(h, traces, windows, 'built on start');
    } finally {
      await h.close();
      await db.close();
    }
  });
});
