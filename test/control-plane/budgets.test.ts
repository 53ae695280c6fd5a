import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { windowAt } from '../../control-plane/services/budget-window';
import { chatEndpoint, startHarness, type Harness } from './harness';

describe('budget windows (UTC-aligned)', () => {
  const at = new Date('2024-05-15T13:47:12.345Z'); // a Wednesday
  const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];
  it('aligns minutes, hours and days to the epoch', () => {
    assert.deepEqual(iso(windowAt(at, { unit: 'minutes', size: 15 })), ['2024-05-15T13:45:00.000Z', '2024-05-15T14:00:00.000Z']);
    assert.deepEqual(iso(windowAt(at, { unit: 'hours', size: 1 })), ['2024-05-15T13:00:00.000Z', '2024-05-15T14:00:00.000Z']);
    assert.deepEqual(iso(windowAt(at, { unit: 'hours', size: 6 })), ['2024-05-15T12:00:00.000Z', '2024-05-15T18:00:00.000Z']);
    assert.deepEqual(iso(windowAt(at, { unit: 'days', size: 1 })), ['2024-05-15T00:00:00.000Z', '2024-05-16T00:00:00.000Z']);
  });
  it('starts weeks on Monday and months on the 1st', () => {
    assert.deepEqual(iso(windowAt(at, { unit: 'weeks', size: 1 })), ['2024-05-13T00:00:00.000Z', '2024-05-20T00:00:00.000Z']);
    assert.deepEqual(iso(windowAt(at, { unit: 'months', size: 1 })), ['2024-05-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z']);
    assert.deepEqual(iso(windowAt(at, { unit: 'months', size: 3 })), ['2024-04-01T00:00:00.000Z', '2024-07-01T00:00:00.000Z']);
    assert.deepEqual(iso(windowAt(new Date('2024-12-31T23:59:59Z'), { unit: 'months', size: 1 })), ['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
  });
  it('puts the boundary instant in the new window', () => {
    assert.deepEqual(iso(windowAt(new Date('2024-05-15T14:00:00.000Z'), { unit: 'hours', size: 1 })), ['2024-05-15T14:00:00.000Z', '2024-05-15T15:00:00.000Z']);
  });
});

describe('budgets API', () => {
  let h: Harness;
  let id: string;
  const policy = { name: 'team-daily', unit: 'usd', limit: 25, window: { unit: 'days', size: 1 }, action: 'reject', scope: { type: 'global' } };

  before(async () => {
    h = await startHarness();
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send({ ...chatEndpoint('local-only'), destinations: [{ id: 'l', provider: 'ollama', model: 'm', weight: 100 }], fallback: {} })
      .expect(201);
  });
  after(async () => h?.close());

  it('creates with failOpen false by default and lists it', async () => {
    const res = await h.as('admin').post('/api/v1/budgets').send(policy).expect(201);
    id = res.body.id;
    assert.equal(res.body.failOpen, false);
    assert.equal(res.body.version, 1);
    const list = await h.as('viewer').get('/api/v1/budgets').expect(200);
    assert.deepEqual(
      list.body.items.map((b: { id: string }) => b.id),
      [id],
    );
    await h.as('viewer').get(`/api/v1/budgets/${id}`).expect(200);
  });

  it('validates: alert needs webhookUrl, endpoint scope must exist, window unit and scope shape', async () => {
    const alert = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'a', action: 'alert' })
      .expect(400);
    assert.match(alert.body.error.message, /webhookUrl: is required when action is "alert"/);
    const scope = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'b', scope: { type: 'endpoint', endpoint: 'ghost' } })
      .expect(400);
    assert.match(scope.body.error.message, /scope\.endpoint: endpoint 'ghost' does not exist/);
    const unit = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'c', window: { unit: 'years', size: 1 } })
      .expect(400);
    assert.match(unit.body.error.message, /body\.window\.unit: must be equal to one of the allowed values/);
    const shape = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'd', scope: { type: 'endpoint' } })
      .expect(400);
    assert.match(shape.body.error.message, /body\.scope/);
    await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'ok-endpoint', scope: { type: 'endpoint', endpoint: 'local-only' } })
      .expect(201);
    const dup = await h.as('admin').post('/api/v1/budgets').send(policy).expect(409);
    assert.equal(dup.body.error.code, 'budget_name_taken');
    // A rename onto a taken name fails in an update (FerretDB reports that differently from an insert).
    const other = await h.as('admin').get('/api/v1/budgets').expect(200);
    const okEndpoint = other.body.items.find((b: { name: string }) => b.name === 'ok-endpoint');
    const rename = await h.as('admin').patch(`/api/v1/budgets/${okEndpoint.id}`).send({ name: policy.name }).expect(409);
    assert.equal(rename.body.error.code, 'budget_name_taken');
  });

  it('PATCH and PUT bump the version; PUT drops an omitted webhookUrl', async () => {
    const patched = await h.as('admin').patch(`/api/v1/budgets/${id}`).send({ action: 'alert', webhookUrl: 'https://hooks.example/b' }).expect(200);
    assert.equal(patched.body.version, 2);
    assert.equal(patched.body.webhookUrl, 'https://hooks.example/b');
    const replaced = await h
      .as('admin')
      .put(`/api/v1/budgets/${id}`)
      .send({ ...policy, limit: 30 })
      .expect(200);
    assert.equal(replaced.body.version, 3);
    assert.equal(replaced.body.limit, 30);
    assert.equal(replaced.body.webhookUrl, undefined);
  });

  it('reports the current window and its spend from budget_windows', async () => {
    const empty = await h.as('viewer').get(`/api/v1/budgets/${id}/spend`).expect(200);
    const { start, end } = windowAt(new Date(), { unit: 'days', size: 1 });
    assert.equal(empty.body.windowStart, start.toISOString());
    assert.equal(empty.body.windowEnd, end.toISOString());
    assert.equal(empty.body.spentUsd, 0);
    assert.equal(empty.body.remaining, 30);

    // What the data plane's charge operation will do: one atomic $inc on the window document.
    await h.db.db
      .collection('budget_windows')
      .updateOne(
        { policyId: id, subject: '', windowStart: start },
        { $setOnInsert: { windowEnd: end, reservedUsd: 0, reservedTokens: 0 }, $inc: { spentUsd: 12.5, spentTokens: 1000 } },
        { upsert: true },
      );
    const spent = await h.as('viewer').get(`/api/v1/budgets/${id}/spend`).expect(200);
    assert.equal(spent.body.spentUsd, 12.5);
    assert.equal(spent.body.spentTokens, 1000);
    assert.equal(spent.body.remaining, 17.5);

    const user = await h.as('viewer').get(`/api/v1/budgets/${id}/spend?user=alice`).expect(400);
    assert.match(user.body.error.message, /user: only applies to per-user budgets/);
  });

  it('keeps per-user windows apart', async () => {
    const perUser = await h
      .as('admin')
      .post('/api/v1/budgets')
      .send({ ...policy, name: 'per-user', unit: 'tokens', limit: 500, scope: { type: 'user' } })
      .expect(201);
    const { start, end } = windowAt(new Date(), { unit: 'days', size: 1 });
    await h.db.db.collection('budget_windows').insertOne({
      policyId: perUser.body.id,
      subject: 'alice',
      windowStart: start,
      windowEnd: end,
      spentUsd: 0,
      spentTokens: 200,
      reservedUsd: 0,
      reservedTokens: 50,
    });
    const alice = await h.as('viewer').get(`/api/v1/budgets/${perUser.body.id}/spend?user=alice`).expect(200);
    assert.equal(alice.body.spentTokens, 200);
    assert.equal(alice.body.reservedTokens, 50);
    assert.equal(alice.body.remaining, 300);
    const bob = await h.as('viewer').get(`/api/v1/budgets/${perUser.body.id}/spend?user=bob`).expect(200);
    assert.equal(bob.body.spentTokens, 0);
  });

  it('the budget_windows key is unique: a racing duplicate window cannot be created', async () => {
    const doc = {
      policyId: 'p',
      subject: '',
      windowStart: new Date(0),
      windowEnd: new Date(1),
      spentUsd: 0,
      spentTokens: 0,
      reservedUsd: 0,
      reservedTokens: 0,
    };
    await h.db.db.collection('budget_windows').insertOne({ ...doc });
    await assert.rejects(h.db.db.collection('budget_windows').insertOne({ ...doc }), (err: { code?: number }) => err.code === 11000);
  });

  it('DELETE removes the policy and its windows', async () => {
    await h.as('admin').delete(`/api/v1/budgets/${id}`).expect(204);
    await h.as('admin').get(`/api/v1/budgets/${id}`).expect(404);
    assert.equal(await h.db.db.collection('budget_windows').countDocuments({ policyId: id }), 0);
  });
});
