import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigSnapshot, Trace } from '../../plugin/contract';
import { warmDataplanePath } from '../../control-plane/loaders/warm-dataplane-path';
import { connectTestDb, partition, type TestDb } from '../helpers/db';
import { chatEndpoint, openaiSecret, startHarness, type Harness } from './harness';

describe('data-plane snapshot', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.as('admin').post('/api/v1/secrets').send(openaiSecret()).expect(201);
    await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint('on')).expect(201);
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send({ ...chatEndpoint('off'), enabled: false })
      .expect(201);
    await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({
        name: 'monthly',
        unit: 'usd',
        limit: 100,
        window: { unit: 'months', size: 1 },
        action: 'alert',
        webhookUrl: 'https://hooks.example/x',
        scope: { type: 'global' },
      })
      .expect(201);
  });
  after(async () => h?.close());

  it('serves enabled endpoints with decrypted credentials and budgets in the contract shape', async () => {
    const res = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const snap = res.body as ConfigSnapshot;
    assert.equal(res.headers.etag, `"${snap.version}"`);
    assert.equal(snap.version, 3, 'two endpoints and one budget were written (creating an unused secret does not change the snapshot)');
    assert.deepEqual(
      snap.endpoints.map((e) => e.name),
      ['on'],
    );
    const [primary, local] = snap.endpoints[0]!.destinations;
    assert.deepEqual(primary!.credentials, { apiKey: 'sk-test-0123456789abcdef' });
    assert.deepEqual(local!.credentials, {});
    assert.deepEqual(Object.keys(snap.endpoints[0]!).sort(), ['destinations', 'fallback', 'id', 'kind', 'logPayloads', 'name', 'version']);
    assert.deepEqual(Object.keys(primary!).sort(), ['credentials', 'id', 'model', 'options', 'provider', 'timeoutMs', 'weight']);
    assert.equal(snap.budgets.length, 1);
    assert.deepEqual(Object.keys(snap.budgets[0]!).sort(), ['action', 'failOpen', 'id', 'limit', 'name', 'scope', 'unit', 'version', 'window']);
  });

  it('answers 304 to a matching If-None-Match and 200 to a stale one', async () => {
    const { headers } = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const res = await h.as('dataplane').get('/api/v1/dataplane/snapshot').set('If-None-Match', headers.etag!).expect(304);
    assert.equal(res.headers.etag, headers.etag);
    await h.as('dataplane').get('/api/v1/dataplane/snapshot').set('If-None-Match', '"1"').expect(200);
  });

  it('long poll: holds until the wait ends, then 304', async () => {
    const { headers } = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const started = Date.now();
    await h.as('dataplane').get('/api/v1/dataplane/snapshot?wait=1').set('If-None-Match', headers.etag!).expect(304);
    assert.ok(Date.now() - started >= 950, `returned after ${Date.now() - started} ms`);
  });

  it('long poll wakes within a second of a write on the same replica', async () => {
    const { headers } = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const started = Date.now();
    const poll = h.as('dataplane').get('/api/v1/dataplane/snapshot?wait=10').set('If-None-Match', headers.etag!);
    const pending = poll.then((r) => ({ r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 200));
    const wroteAt = Date.now();
    await h.as('admin').patch('/api/v1/endpoints/on').send({ logPayloads: true }).expect(200);
    const { r, at } = await pending;
    assert.equal(r.status, 200);
    assert.notEqual(r.headers.etag, headers.etag);
    assert.equal(r.body.endpoints[0].logPayloads, true);
    const wake = at - wroteAt;
    console.log(`  long-poll wake after write (same replica): ${wake} ms (held ${at - started} ms)`);
    assert.ok(wake < 1000, `woke ${wake} ms after the write`);
  });

  it('racing configuration changes each get a version of their own, on FerretDB too', async () => {
    // FerretDB applies `$inc` as a read and a separate write: unserialized, racing bumps returned the same
    // version, and a data plane that read the snapshot between two changes would never see the second.
    const versions = h.cp.services.versions;
    const before = await versions.current();
    const got = await Promise.all(Array.from({ length: 40 }, () => versions.bump()));
    assert.equal(new Set(got).size, 40, `versions handed out: ${got.join(',')}`);
    assert.equal(await versions.current(), before + 40);
  });

  it('the control plane warms its snapshot path with a token it signs itself; a wrong key is refused', async () => {
    await warmDataplanePath(h.cp.url, h.config.jwt, h.cp.services.snapshot);
    await assert.rejects(
      warmDataplanePath(h.cp.url, { ...h.config.jwt, secret: 'not-the-secret-not-the-secret-not-the-secret' }, h.cp.services.snapshot),
      /answered 401/,
    );
  });

  it('a secret rotation changes the snapshot version and credentials', async () => {
    const { body: before } = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    await h
      .as('admin')
      .put('/api/v1/secrets/openai-key/value')
      .send({ value: { apiKey: 'sk-new-value-abcdefgh' } })
      .expect(200);
    const { body: afterSnap } = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    assert.ok(afterSnap.version > before.version);
    assert.equal(afterSnap.endpoints[0].destinations[0].credentials.apiKey, 'sk-new-value-abcdefgh');
  });
});

describe('shutdown with long-polling data planes', () => {
  it('close() finishes promptly although a keep-alive client re-polls at once', async () => {
    const h = await startHarness();
    const auth = { authorization: `Bearer ${h.token('dataplane')}` };
    const url = `${h.cp.url}/api/v1/dataplane/snapshot`;
    const etag = (await fetch(url, { headers: auth })).headers.get('etag')!;
    let polls = 0;
    let stopped = false;
    const poller = (async () => {
      while (!stopped) {
        try {
          const res = await fetch(`${url}?wait=20`, { headers: { ...auth, 'if-none-match': etag } });
          await res.arrayBuffer();
          polls++;
        } catch {
          return; // the server is gone
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await h.close();
    const took = Date.now() - started;
    stopped = true;
    await poller;
    assert.ok(took < 2000, `close() took ${took} ms`);
    assert.ok(polls >= 1, 'the held poll was answered');
  });
});

describe('long poll across replicas', () => {
  let db: TestDb;
  let a: Harness;
  let b: Harness;
  before(async () => {
    db = await connectTestDb('replicas');
    a = await startHarness({ db, config: { versionPollMs: 250 } });
    // Same keys, second process-like instance: its own HTTP server, connection and version watcher.
    b = await startHarness({ db, config: { versionPollMs: 250, jwt: a.config.jwt, kek: a.config.kek } });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.close();
  });

  it('a write on replica B wakes a data plane waiting on replica A within a second', async () => {
    const { headers } = await a.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const wakes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const etag = i === 0 ? headers.etag! : `"${await a.cp.services.versions.current()}"`;
      const pending = a
        .as('dataplane')
        .get('/api/v1/dataplane/snapshot?wait=10')
        .set('If-None-Match', etag)
        .then((r) => ({ r, at: Date.now() }));
      await new Promise((r) => setTimeout(r, 150));
      const wroteAt = Date.now();
      await b
        .as('admin')
        .post('/api/v1/budgets')
        .send({ name: `b${i}`, unit: 'tokens', limit: 1000, window: { unit: 'days', size: 1 }, action: 'reject', scope: { type: 'global' } })
        .expect(201);
      const { r, at } = await pending;
      assert.equal(r.status, 200);
      assert.equal(r.body.budgets.length, i + 1);
      wakes.push(at - wroteAt);
    }
    console.log(`  long-poll wake after write (other replica, 250 ms poll): ${wakes.join(', ')} ms`);
    for (const w of wakes) assert.ok(w < 1000, `woke ${w} ms after the write`);
  });

  it('a snapshot kept by replica A is not served once replica B has changed the configuration', async () => {
    const { body: kept } = await a.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    await a.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200); // served from what A keeps
    await b
      .as('admin')
      .post('/api/v1/budgets')
      .send({ name: 'from-b', unit: 'tokens', limit: 1000, window: { unit: 'days', size: 1 }, action: 'reject', scope: { type: 'global' } })
      .expect(201);
    // No wait, no If-None-Match: A has heard nothing of B's write, yet answers with it.
    const { body: fresh } = await a.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    assert.ok(fresh.version > kept.version);
    assert.deepEqual(
      (fresh as ConfigSnapshot).budgets.map((x) => x.name).filter((n) => n === 'from-b'),
      ['from-b'],
    );
  });
});

describe('trace ingest', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  const trace = (id: string, over: Partial<Trace> = {}): Trace => ({
    id,
    time: '2030-01-01T00:00:00.000Z',
    endpoint: 'chat-main',
    kind: 'chat',
    user: 'u1',
    ingress: 'openai',
    stream: false,
    status: 200,
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: [{ destinationId: 'primary', provider: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 100 }],
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
    costUsd: 0.001,
    latencyMs: 120,
    overheadMs: 1.5,
    ...over,
  });

  it('is idempotent by trace id: a replayed batch adds nothing', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => trace(`t-${i}`));
    const first = await h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: batch }).expect(200);
    assert.deepEqual(first.body, { accepted: 50, duplicates: 0, rejected: [] });
    const replay = await h.as('dataplane').post('/api/v1/dataplane/traces').send({ traces: batch }).expect(200);
    assert.deepEqual(replay.body, { accepted: 0, duplicates: 50, rejected: [] });
    const mixed = await h
      .as('dataplane')
      .post('/api/v1/dataplane/traces')
      .send({ traces: [trace('t-0'), trace('t-new'), trace('t-new')] })
      .expect(200);
    assert.deepEqual(mixed.body, { accepted: 1, duplicates: 2, rejected: [] });
    assert.equal(await (await partition(h.db, 'traces_20300101')).countDocuments(), 51, 'stored in the collection of their day');
    const stored = await h.as('viewer').get('/api/v1/traces/t-new').expect(200);
    assert.deepEqual(stored.body, trace('t-new'));
  });

  it('refuses batches over 1000; an invalid trace is reported by position and the rest of its batch stored', async () => {
    const big = await h
      .as('dataplane')
      .post('/api/v1/dataplane/traces')
      .send({ traces: Array.from({ length: 1001 }, (_, i) => trace(`x${i}`)) })
      .expect(400);
    assert.match(big.body.error.message, /body\.traces: must NOT have more than 1000 items/);
    // The reproduction: a trace with a 1 MiB user (over 256) and one with a 300-character endpoint (over 64).
    const res = await h
      .as('dataplane')
      .post('/api/v1/dataplane/traces')
      .send({
        traces: [
          trace('ok-1'),
          { ...trace('huge-user'), user: 'u'.repeat(1 << 20) },
          { ...trace('y'), status: 'ok' },
          trace('ok-2'),
          { ...trace('long-model'), endpoint: 'm'.repeat(300) },
        ],
      })
      .expect(200);
    assert.equal(res.body.accepted, 2);
    assert.deepEqual(
      res.body.rejected.map((r: { index: number; id: string; errors: Array<{ field: string }> }) => [r.index, r.id, r.errors[0]!.field]),
      [
        [1, 'huge-user', 'user'],
        [2, 'y', 'status'],
        [4, 'long-model', 'endpoint'],
      ],
    );
    assert.match(res.body.rejected[1].errors[0].message, /must be integer/);
    await h.as('viewer').get('/api/v1/traces/ok-2').expect(200);
    await h.as('viewer').get('/api/v1/traces/huge-user').expect(404);
    const metrics = await h.as('viewer').get('/metrics').expect(200);
    assert.match(metrics.text, /llm_gateway_traces_rejected_total 3\b/);
  });

  it('ingests 1000-trace batches quickly', async () => {
    const batches = 5;
    const started = Date.now();
    for (let b = 0; b < batches; b++) {
      const res = await h
        .as('dataplane')
        .post('/api/v1/dataplane/traces')
        .send({ traces: Array.from({ length: 1000 }, (_, i) => trace(`perf-${b}-${i}`)) })
        .expect(200);
      assert.equal(res.body.accepted, 1000);
    }
    const perSecond = Math.round((batches * 1000) / ((Date.now() - started) / 1000));
    console.log(`  trace ingest: ${perSecond} traces/s (FerretDB/SQLite, 1000 per batch, response validation on)`);
  });
});
