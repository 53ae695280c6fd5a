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

  const value = {
    thinking_blocks: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }],
    provider_state: { gemini: { toolCallSignatures: { 'call.1$x': 'c2ln' } } },
  };

  it('keeps a JSON value under a key, keys with dots and dollars inside included, and replaces it on the next put', async () => {
    const put = await h.as('dataplane').put('/api/v1/dataplane/state/chat:abc123').send({ value, ttlSeconds: 600, endpoint: 'agents' }).expect(200);
    assert.ok(Date.parse(put.body.expiresAt) > Date.now() + 590_000);
    const got = await h.as('dataplane').get('/api/v1/dataplane/state/chat:abc123').expect(200);
    assert.deepEqual(got.body.value, value);
    assert.equal(got.body.endpoint, 'agents');
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/chat:abc123')
      .send({ value: { v: 2 }, ttlSeconds: 600 })
      .expect(200);
    assert.deepEqual((await h.as('dataplane').get('/api/v1/dataplane/state/chat:abc123').expect(200)).body.value, { v: 2 });
  });

  it('an unknown key is a 404 in the control-plane error shape', async () => {
    const res = await h.as('dataplane').get('/api/v1/dataplane/state/nothing-here').expect(404);
    assert.equal(res.body.error.code, 'not_found');
  });

  it('an expired entry is never served, and the sweeper deletes it', async () => {
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/short-lived')
      .send({ value: { a: 1 }, ttlSeconds: 1 })
      .expect(200);
    await h.as('dataplane').get('/api/v1/dataplane/state/short-lived').expect(200);
    await new Promise((r) => setTimeout(r, 1_100));
    await h.as('dataplane').get('/api/v1/dataplane/state/short-lived').expect(404);
    assert.ok((await h.cp.services.conversationState.sweepExpired()) >= 1);
    assert.equal(await h.db.db.collection('conversation_states').countDocuments({ _id: 'short-lived' as never }), 0);
  });

  it('bounds every entry, its lifetime and its key', async () => {
    const big = { blob: 'x'.repeat(MAX_STATE_BYTES) };
    const res = await h.as('dataplane').put('/api/v1/dataplane/state/big').send({ value: big, ttlSeconds: 60 }).expect(400);
    assert.match(res.body.error.message, /larger than/);
    await h
      .as('dataplane')
      .put('/api/v1/dataplane/state/k')
      .send({ value: {}, ttlSeconds: 30 * 24 * 3600 })
      .expect(400);
    await h.as('dataplane').put('/api/v1/dataplane/state/k').send({ value: 'a string', ttlSeconds: 60 }).expect(400);
    await h.as('dataplane').put('/api/v1/dataplane/state/bad%20key').send({ value: {}, ttlSeconds: 60 }).expect(400);
  });

  it('only data planes may read or write it', async () => {
    await h.as('admin').get('/api/v1/dataplane/state/chat:abc123').expect(403);
    await h.as('viewer').put('/api/v1/dataplane/state/x').send({ value: {}, ttlSeconds: 60 }).expect(403);
    await h.http.get('/api/v1/dataplane/state/chat:abc123').expect(401);
  });
});
