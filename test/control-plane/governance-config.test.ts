// The governance settings through the control-plane API: run-scoped budgets
// and the calls unit, endpoints' run settings, loop breaker and shadow
// (validated like every field, defaults filled, carried in the snapshot with
// the shadow's credentials, never returned to admins), and the run spend view.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNALIGNED_START } from '../../control-plane/services/budget-ledger-policies';
import { startHarness, type Harness } from './harness';

let h: Harness;
const SHADOW_KEY = 'sk-shadow-secret-value-123456';

const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'chat',
  destinations: [{ id: 'main', provider: 'openai', model: 'gpt-4o', secret: 'main-key', weight: 100 }],
  ...extra,
});
const shadow = (extra: Record<string, unknown> = {}) => ({
  destination: { provider: 'openai', model: 'gpt-4o-mini', secret: 'shadow-key' },
  percent: 10,
  ...extra,
});
const runBudget = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  unit: 'calls',
  limit: 40,
  action: 'reject',
  scope: { type: 'run' },
  ...extra,
});

before(async () => {
  h = await startHarness();
  for (const [name, key] of [
    ['main-key', 'sk-main-secret-value-1234'],
    ['shadow-key', SHADOW_KEY],
  ]) {
    await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name, provider: 'openai', value: { apiKey: key } })
      .expect(201);
  }
  await h
    .as('admin')
    .post('/api/v1/secrets')
    .send({ name: 'claude', provider: 'anthropic', value: { apiKey: 'sk-ant-xxxxxxxxxxxx' } })
    .expect(201);
});
after(async () => h?.close());

describe('run-scoped budgets', () => {
  it('default the window to a 24 h run lifetime, take the calls unit, and may name an endpoint', async () => {
    const created = await h.as('admin').post('/api/v1/budgets').send(runBudget('run-calls')).expect(201);
    assert.deepEqual(created.body.window, { unit: 'hours', size: 24 });
    assert.equal(created.body.unit, 'calls');
    await h.as('admin').post('/api/v1/endpoints').send(endpoint('agents')).expect(201);
    const scoped = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send(runBudget('run-usd', { unit: 'usd', limit: 0.5, window: { unit: 'hours', size: 2 }, scope: { type: 'run', endpoint: 'agents' } }))
      .expect(201);
    assert.deepEqual(scoped.body.scope, { type: 'run', endpoint: 'agents' });
    assert.deepEqual(scoped.body.window, { unit: 'hours', size: 2 });
  });

  it('refuse what cannot work: alerts per run, a missing endpoint, a window left out elsewhere', async () => {
    const alert = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send(runBudget('run-alert', { action: 'alert', webhookUrl: 'https://hooks.example/x' }))
      .expect(400);
    assert.match(alert.body.error.message, /action: run-scoped budgets can only reject/);
    const ghost = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send(runBudget('run-ghost', { scope: { type: 'run', endpoint: 'ghost' } }))
      .expect(400);
    assert.match(ghost.body.error.message, /scope\.endpoint: endpoint 'ghost' does not exist/);
    const noWindow = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ name: 'g', unit: 'usd', limit: 1, action: 'reject', scope: { type: 'global' } })
      .expect(400);
    assert.match(noWindow.body.error.message, /window: is required/);
    const badUnit = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send(runBudget('run-unit', { unit: 'requests' }))
      .expect(400);
    assert.match(badUnit.body.error.message, /body\.unit/);
  });

  it("show a run's window: zeros before its first request, its spend and end after, and whether it is over", async () => {
    const list = await h.as('viewer').get('/api/v1/budgets').expect(200);
    const id = list.body.items.find((b: { name: string }) => b.name === 'run-calls').id;
    const missing = await h.as('viewer').get(`/api/v1/budgets/${id}/spend`).expect(400);
    assert.match(missing.body.error.message, /run: is required for a run-scoped budget/);
    const fresh = await h.as('viewer').get(`/api/v1/budgets/${id}/spend?run=r-1`).expect(200);
    assert.deepEqual([fresh.body.run, fresh.body.committed, fresh.body.available, fresh.body.expired], ['r-1', 0, 40, false]);

    const openedAt = new Date(Date.now() - 3600_000);
    await h.db.db.collection('budget_windows').insertOne({
      policyId: id,
      subject: 'r-2',
      windowStart: UNALIGNED_START,
      windowEnd: new Date(openedAt.getTime() + 86_400_000),
      openedAt,
      shape: 'run',
      committed: 12,
      reserved: 2,
      leased: 0,
      spent: 10,
      spentUsd: 0.01,
      spentTokens: 900,
      reservedUsd: 0,
      reservedTokens: 0,
      updatedAt: new Date(),
    });
    const used = await h.as('viewer').get(`/api/v1/budgets/${id}/spend?run=r-2`).expect(200);
    assert.equal(used.body.windowStart, openedAt.toISOString());
    assert.deepEqual(
      [used.body.spentCalls, used.body.reservedCalls, used.body.committed, used.body.available, used.body.remaining, used.body.expired],
      [10, 2, 12, 28, 30, false],
    );
    await h.db.db.collection('budget_windows').updateOne({ policyId: id, subject: 'r-2' }, { $set: { windowEnd: new Date(Date.now() - 1000) } });
    const over = await h.as('viewer').get(`/api/v1/budgets/${id}/spend?run=r-2`).expect(200);
    assert.deepEqual([over.body.expired, over.body.available], [true, 0]);
    const wrong = await h.as('viewer').get(`/api/v1/budgets/${id}/spend?user=alice`).expect(400);
    assert.match(wrong.body.error.message, /user: only applies to per-user budgets/);
  });
});

describe('endpoint governance settings', () => {
  it('fill defaults: traceparent runs, loop-breaker windows, shadow concurrency and id; per-run rate limits', async () => {
    const res = await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send(
        endpoint('governed', {
          runs: { header: 'X-Agent-Run-Id' },
          loopBreaker: { maxRepeats: 3 },
          shadow: shadow(),
          rateLimits: { requestsPerMinute: 10, per: 'run' },
        }),
      )
      .expect(201);
    assert.deepEqual(res.body.runs, { header: 'x-agent-run-id', traceparent: true });
    assert.deepEqual(res.body.loopBreaker, { maxRepeats: 3, repeatWindowSeconds: 86_400, callWindowSeconds: 60 });
    assert.equal(res.body.shadow.destination.id, 'shadow');
    assert.equal(res.body.shadow.destination.weight, 0);
    assert.equal(res.body.shadow.destination.timeoutMs, 30_000);
    assert.deepEqual([res.body.shadow.percent, res.body.shadow.countBudgets, res.body.shadow.maxConcurrent], [10, false, 4]);
    assert.deepEqual(res.body.rateLimits, { requestsPerMinute: 10, per: 'run' });
    assert.ok(!JSON.stringify(res.body).includes(SHADOW_KEY), 'secret values are never returned');
    assert.notEqual(res.body.shadow.destination.secret, 'shadow-key', 'stored as the secret id');
  });

  it("carry the shadow destination's credentials to data planes only, in the snapshot", async () => {
    const snap = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const governed = snap.body.endpoints.find((e: { name: string }) => e.name === 'governed');
    assert.equal(governed.shadow.destination.credentials.apiKey, SHADOW_KEY);
    assert.deepEqual(governed.runs, { header: 'x-agent-run-id', traceparent: true });
    assert.equal(governed.loopBreaker.maxRepeats, 3);
    const run = snap.body.budgets.find((b: { name: string }) => b.name === 'run-calls');
    assert.deepEqual(run.scope, { type: 'run' });
  });

  it('refuse bad settings with the field named', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ loopBreaker: {} }, /loopBreaker: set maxRepeats, maxCalls or both/],
      [{ loopBreaker: { callWindowSeconds: 30 } }, /loopBreaker: set maxRepeats, maxCalls or both/],
      [{ loopBreaker: { maxCalls: 0 } }, /body\.loopBreaker\.maxCalls/],
      [{ shadow: shadow({ percent: 101 }) }, /body\.shadow\.percent/],
      [
        { shadow: shadow({ destination: { provider: 'bedrock', model: 'm', secret: 'shadow-key' } }) },
        /shadow\.destination\.secret: secret 'shadow-key' is for provider openai, not bedrock/,
      ],
      [{ shadow: shadow({ destination: { provider: 'openai', model: 'm' } }) }, /shadow\.destination\.secret: is required for provider openai/],
      [
        { shadow: shadow({ destination: { id: 'main', provider: 'openai', model: 'm', secret: 'shadow-key' } }) },
        /shadow\.destination\.id: 'main' is the id of one of the endpoint's destinations/,
      ],
      [{ shadow: shadow({ destination: { provider: 'openai', model: 'm', secret: 'shadow-key', weight: 10 } }) }, /body\.shadow\.destination/],
      [{ runs: { header: 'bad header' } }, /body\.runs\.header/],
      [{ rateLimits: { requestsPerMinute: 1, per: 'session' } }, /body\.rateLimits\.per/],
    ];
    for (const [extra, message] of cases) {
      const res = await h.as('admin').post('/api/v1/endpoints').send(endpoint('bad', extra));
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.match(res.body.error.message, message, JSON.stringify(extra));
    }
    const embeddings = await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send({ ...endpoint('emb', { shadow: shadow() }), kind: 'embeddings' })
      .expect(400);
    assert.match(embeddings.body.error.message, /shadow: only chat endpoints can shadow/);
  });

  it('protect the shadow secret from deletion, and drop the settings on a PUT without them', async () => {
    const del = await h.as('admin').delete('/api/v1/secrets/shadow-key').expect(409);
    assert.equal(del.body.error.code, 'secret_in_use');
    assert.match(del.body.error.message, /'governed'/);
    const put = await h.as('admin').put('/api/v1/endpoints/governed').send(endpoint('governed')).expect(200);
    for (const field of ['runs', 'loopBreaker', 'shadow']) assert.equal(put.body[field], undefined, field);
    await h.as('admin').delete('/api/v1/secrets/shadow-key').expect(204);
  });
});
