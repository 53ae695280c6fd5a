// Retention: on by default, configurable, and the sweeper deletes exactly
// what is past it; traces from before day partitions are moved, not lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Trace } from '../../plugin/contract';
import { ConfigError, loadConfig } from '../../control-plane/config';
import { DEFAULT_RETENTION } from '../../control-plane/services/retention.service';
import { dayKey } from '../../control-plane/models/trace-store.model';
import { encodeStoredTrace } from '../../control-plane/services/trace-codec';
import { connectTestDb, collectionNames } from '../helpers/db';
import { startHarness } from './harness';

const DAY = 86_400_000;
const env = { JWT_SECRET: 'x'.repeat(40), GATEWAY_KEK: Buffer.alloc(32, 1).toString('base64'), GATEWAY_DATA_DIR: '/nonexistent' };

const trace = (id: string, time: number, over: Partial<Trace> = {}): Trace => ({
  id,
  time: new Date(time).toISOString(),
  endpoint: 'kept',
  kind: 'chat',
  user: 'u',
  ingress: 'openai',
  stream: false,
  status: 200,
  provider: 'openai',
  model: 'm',
  attempts: [],
  latencyMs: 10,
  overheadMs: 1,
  ...over,
});

describe('retention', () => {
  it('is on by default (30 days of traces, 7 of payloads, 14 of minute usage, 400 of hourly usage) and set from the environment', () => {
    assert.deepEqual(
      [DEFAULT_RETENTION.traceDays, DEFAULT_RETENTION.payloadDays, DEFAULT_RETENTION.usageMinuteDays, DEFAULT_RETENTION.usageDays],
      [30, 7, 14, 400],
    );
    assert.deepEqual(loadConfig(env).retention, {});
    assert.deepEqual(
      loadConfig({
        ...env,
        TRACE_RETENTION_DAYS: '3',
        TRACE_PAYLOAD_RETENTION_DAYS: '1',
        USAGE_MINUTE_RETENTION_DAYS: '2',
        USAGE_RETENTION_DAYS: '0',
        RETENTION_SWEEP_MINUTES: '5',
      }).retention,
      { traceDays: 3, payloadDays: 1, usageMinuteDays: 2, usageDays: 0, sweepMs: 300_000 },
    );
    assert.throws(() => loadConfig({ ...env, TRACE_RETENTION_DAYS: 'a month' }), ConfigError);
  });

  it('drops traces and payloads past their days, keeps usage by the hour after the minutes are gone', async () => {
    const h = await startHarness();
    try {
      const now = Date.now();
      const old = Math.floor((now - 40 * DAY) / 3_600_000) * 3_600_000 + 90_000; // 40 days ago, 1.5 min past an hour
      const recent = now - 10 * DAY;
      await h
        .as('dataplane')
        .post('/api/v1/dataplane/traces')
        .send({
          traces: [trace('old', old, { endpoint: 'old' }), trace('recent', recent, { request: '{"q":1}', response: '{"a":2}' }), trace('today', now - 60_000)],
        })
        .expect(200);
      await h.cp.services.flusher.settled(30_000);
      const names = () => collectionNames(h.db);
      assert.ok((await names()).includes(`traces_${dayKey(old)}`));
      assert.equal((await h.as('viewer').get('/api/v1/traces/recent').expect(200)).body.request, '{"q":1}');

      const report = await h.cp.services.retention.sweep(new Date(now));
      assert.deepEqual(
        report.dropped.sort(),
        [`trace_index_${dayKey(old)}`, `trace_payloads_${dayKey(recent)}`, `traces_${dayKey(old)}`, `usage_minutes_${dayKey(old)}`].sort(),
        'the old day goes whole (its minute usage too); the recent one keeps its traces but not their payloads (no payload was stored for the old one)',
      );
      assert.equal(report.rollupsDeleted, 0, 'hourly usage is kept 400 days');
      await h.as('viewer').get('/api/v1/traces/old').expect(404);
      const recentTrace = (await h.as('viewer').get('/api/v1/traces/recent').expect(200)).body;
      assert.equal(recentTrace.request, undefined);
      assert.deepEqual(
        (await h.as('viewer').get('/api/v1/traces').expect(200)).body.items.map((t: Trace) => t.id),
        ['today', 'recent'],
      );
      const usage = (
        await h
          .as('viewer')
          .get(`/api/v1/usage/summary?from=${new Date(old - 30_000).toISOString()}&to=${new Date(old + 30_000).toISOString()}`)
          .expect(200)
      ).body;
      assert.equal(usage.from, new Date(Math.floor(old / 3_600_000) * 3_600_000).toISOString(), 'widened to the hour once minutes are gone');
      assert.deepEqual(
        usage.groups.map((g: { key: string; requests: number }) => [g.key, g.requests]),
        [['old', 1]],
      );
      const again = await h.cp.services.retention.sweep(new Date(now));
      assert.deepEqual([again.dropped, again.rollupsDeleted], [[], 0], 'a second sweep has nothing left to do');
      // 400 days on, the hourly usage of the old day goes too (deleted by id: 24 hours x 3 families + the day's 3).
      const later = await h.cp.services.retention.sweep(new Date(old + 401 * DAY));
      assert.ok(later.rollupsDeleted >= 2, `${later.rollupsDeleted} hour and day documents deleted`);
      const gone = (
        await h
          .as('viewer')
          .get(`/api/v1/usage/summary?from=${new Date(old - 30_000).toISOString()}&to=${new Date(old + 30_000).toISOString()}`)
          .expect(200)
      ).body;
      assert.deepEqual(gone.groups, []);
    } finally {
      await h.close();
    }
  });

  it('keeps using, then drops, a day an older version stored in the main database', async () => {
    const db = await connectTestDb('mainday');
    try {
      const day = Date.UTC(2031, 7, 1, 10);
      const old = trace('older-version', day);
      await db.db.collection(`traces_${dayKey(day)}`).insertOne(encodeStoredTrace(old, new Date(old.time), 'gone:1').doc as never);
      const h = await startHarness({ db });
      try {
        await h
          .as('dataplane')
          .post('/api/v1/dataplane/traces')
          .send({ traces: [trace('newer-version', day + 60_000)] })
          .expect(200);
        assert.equal((await h.as('viewer').get('/api/v1/traces/older-version').expect(200)).body.id, 'older-version');
        assert.equal((await h.as('viewer').get('/api/v1/traces/newer-version').expect(200)).body.id, 'newer-version');
        assert.equal(await db.db.collection(`traces_${dayKey(day)}`).countDocuments(), 2, 'a day stays where it started');
        const report = await h.cp.services.retention.sweep(new Date(day + 40 * DAY));
        assert.ok(report.dropped.includes(`traces_${dayKey(day)}`));
        assert.ok(!(await collectionNames(db)).includes(`traces_${dayKey(day)}`), 'dropped from the main database');
        await h.as('viewer').get('/api/v1/traces/older-version').expect(404);
      } finally {
        await h.close();
      }
    } finally {
      await db.close();
    }
  });

  it('moves traces stored before day partitions into them, once', async () => {
    const db = await connectTestDb('legacy');
    try {
      const time = Date.UTC(2031, 8, 9, 8, 7, 6);
      await db.db.collection('traces').insertMany(
        [0, 1, 2].map((i) => {
          const { id, time: _t, ...rest } = trace(`legacy-${i}`, time + i * 1000);
          return { _id: id, time: new Date(time + i * 1000), ...rest } as never;
        }),
      );
      const h = await startHarness({ db });
      try {
        const deadline = Date.now() + 20_000;
        while ((await db.db.listCollections({ name: 'traces' }).toArray()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const list = (await h.as('viewer').get('/api/v1/traces').expect(200)).body;
        assert.deepEqual(
          list.items.map((t: Trace) => t.id),
          ['legacy-2', 'legacy-1', 'legacy-0'],
        );
        assert.deepEqual((await h.as('viewer').get('/api/v1/traces/legacy-1').expect(200)).body, trace('legacy-1', time + 1000));
        const usage = (await h.as('viewer').get('/api/v1/usage/summary?from=2031-09-09T00:00:00Z&to=2031-09-10T00:00:00Z').expect(200)).body;
        assert.equal(usage.groups[0].requests, 3);
      } finally {
        await h.close();
      }
    } finally {
      await db.close();
    }
  });
});
