// The data planes' conversation state store (PUT/GET /api/v1/dataplane/state/{key}).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_STATE_BYTES } from '../../control-plane/services/conversation-state.service';
import { startHarness, type Harness } from './harness';

describe('conversation state store', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  const later = () => new Date(Date.now() + 600_000).toISOString();
  const value = {
    thinking_blocks: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }],
    provider_state: { gemini: { toolCallSignatures: { 'call.1$x': 'c2ln' } } },
  };

  it('keeps a JSON value under a key, keys with dots and dollars inside included, and replaces it on the next put', async () => {
    const put = await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/chat:abc123')
      .send({ value, endpoint: 'agents', user: 'alice', expiresAt: later() })
      .expect(200);
    assert.ok(Date.parse(put.body.expiresAt) > Date.now() + 590_000);
    const got = await h.as('dataplane').get('/api/v1/dataplane/state/chat:abc123').expect(200);
    assert.deepEqual(got.body.value, value);
    assert.equal(got.body.endpoint, 'agents');
    assert.equal(got.body.user, 'alice');
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/chat:abc123')
      .send({ value: { v: 2 }, endpoint: 'agents', user: 'alice', expiresAt: later() })
      .expect(200);
    assert.deepEqual((await h.as('dataplane').get('/api/v1/dataplane/state/chat:abc123').expect(200)).body.value, { v: 2 });
  });

  it('an unknown key is a 404 in the control-plane error shape; delete forgets a record once', async () => {
    const res = await h.as('dataplane').get('/api/v1/dataplane/state/nothing-here').expect(404);
    assert.equal(res.body.error.code, 'not_found');
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/resp-1')
      .send({ value: [1], endpoint: 'agents', user: 'bob', expiresAt: later() })
      .expect(200);
    await h.as('dataplane').delete('/api/v1/dataplane/state/resp-1').expect(204);
    await h.as('dataplane').get('/api/v1/dataplane/state/resp-1').expect(404);
    await h.as('dataplane').delete('/api/v1/dataplane/state/resp-1').expect(404);
  });

  it('an expired entry is never served, and the sweeper deletes it', async () => {
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/short-lived')
      .send({ value: { a: 1 }, endpoint: 'agents', user: 'alice', expiresAt: new Date(Date.now() + 1_000).toISOString() })
      .expect(200);
    await h.as('dataplane').get('/api/v1/dataplane/state/short-lived').expect(200);
    await new Promise((r) => setTimeout(r, 1_100));
    await h.as('dataplane').get('/api/v1/dataplane/state/short-lived').expect(404);
    assert.ok((await h.cp.services.conversationState.sweepExpired()) >= 1);
    assert.equal(await h.db.db.collection('conversation_states').countDocuments({ _id: 'short-lived' as never }), 0);
  });

  it('bounds every record, its lifetime and its key', async () => {
    const ok = { endpoint: 'agents', user: 'alice', expiresAt: later() };
    const big = { blob: 'x'.repeat(MAX_STATE_BYTES) };
    const res = await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/big')
      .send({ ...ok, value: big })
      .expect(400);
    assert.match(res.body.error.message, /larger than/);
    const year = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const far = await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/k')
      .send({ ...ok, value: {}, expiresAt: year })
      .expect(200);
    assert.ok(Date.parse(far.body.expiresAt) <= Date.now() + 30 * 86_400_000, 'expiry capped at 30 days');
    const past = new Date(Date.now() - 1000).toISOString();
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/k')
      .send({ ...ok, value: {}, expiresAt: past })
      .expect(400);
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/k')
      .send({ ...ok, value: 'a string' })
      .expect(400);
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/bad%20key')
      .send({ ...ok, value: {} })
      .expect(400);
  });

  it('only data planes may read or write it', async () => {
    await h.as('admin').get('/api/v1/dataplane/state/chat:abc123').expect(403);
    await h.as('viewer').put('/api/v1/dataplane/state/x').send({ value: {}, endpoint: 'agents', user: 'a', expiresAt: later() }).expect(403);
    await h.http.get('/api/v1/dataplane/state/chat:abc123').expect(401);
  });
});
