import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatEndpoint, openaiSecret, startHarness, type Harness } from './harness';

describe('secrets API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('creates a secret and never returns its value', async () => {
    const res = await h.as('admin').post('/api/v1/secrets').send(openaiSecret()).expect(201);
    assert.equal(res.body.name, 'openai-key');
    assert.equal(res.body.provider, 'openai');
    assert.deepEqual(res.body.fields, ['apiKey']);
    assert.equal(res.body.hint, '****ef', 'a 24-character key shows 2 characters');
    assert.equal(res.body.kekVersion, 1);
    assert.equal(res.body.createdBy, 'admin-user');
    assert.ok(!JSON.stringify(res.body).includes('sk-test-0123456789abcdef'));
    const list = await h.as('viewer').get('/api/v1/secrets').expect(200);
    assert.equal(list.body.items.length, 1);
    assert.ok(!JSON.stringify(list.body).includes('sk-test'));
    const byName = await h.as('viewer').get('/api/v1/secrets/openai-key').expect(200);
    const byId = await h.as('viewer').get(`/api/v1/secrets/${res.body.id}`).expect(200);
    assert.deepEqual(byName.body, byId.body);
  });

  it('rejects a duplicate name with 409', async () => {
    const res = await h.as('admin').post('/api/v1/secrets').send(openaiSecret()).expect(409);
    assert.equal(res.body.error.code, 'secret_name_taken');
  });

  it('checks the fields the provider needs', async () => {
    const missing = await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name: 'aws', provider: 'bedrock', value: { accessKeyId: 'AKIA' } })
      .expect(400);
    assert.equal(missing.body.error.code, 'validation_failed');
    assert.match(missing.body.error.message, /value\.secretAccessKey: is required for provider bedrock/);
    assert.match(missing.body.error.message, /value\.region: is required/);
    const extra = await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name: 'x', provider: 'openai', value: { apiKey: 'k', region: 'eu' } })
      .expect(400);
    assert.match(extra.body.error.message, /value\.region: is not used by provider openai/);
    const unknown = await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name: 'x', provider: 'openai', value: { password: 'k' } })
      .expect(400);
    assert.match(unknown.body.error.message, /value.*password/);
    const aws = await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name: 'aws', provider: 'bedrock', value: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY', region: 'us-east-1' } })
      .expect(201);
    assert.deepEqual(aws.body.fields, ['accessKeyId', 'region', 'secretAccessKey']);
    assert.equal(aws.body.hint, '****CY');
  });

  it('rotates a value: new hint, config version bumped, audit entry', async () => {
    const before = await h.cp.services.versions.current();
    const res = await h
      .as('admin')
      .put('/api/v1/secrets/openai-key/value')
      .send({ value: { apiKey: 'sk-rotated-zzzzzzzzzzzz9999' } })
      .expect(200);
    assert.equal(res.body.hint, '****99');
    assert.ok((await h.cp.services.versions.current()) > before);
    const audit = await h.as('admin').get('/api/v1/audit?targetType=secret').expect(200);
    assert.equal(audit.body.items[0].action, 'secret.rotate_value');
    assert.ok(!JSON.stringify(audit.body).includes('sk-rotated'));
  });

  it('refuses to delete a secret an endpoint uses (409 naming it), then deletes it', async () => {
    await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint('uses-key')).expect(201);
    const res = await h.as('admin').delete('/api/v1/secrets/openai-key').expect(409);
    assert.equal(res.body.error.code, 'secret_in_use');
    assert.match(res.body.error.message, /'uses-key'/);
    assert.deepEqual(
      res.body.error.details.map((d: { endpoint: string }) => d.endpoint),
      ['uses-key'],
    );
    await h.as('admin').delete('/api/v1/endpoints/uses-key').expect(204);
    await h.as('admin').delete('/api/v1/secrets/openai-key').expect(204);
    await h.as('admin').get('/api/v1/secrets/openai-key').expect(404);
  });

  it('404s unknown secrets with the error shape', async () => {
    const res = await h.as('admin').delete('/api/v1/secrets/nope').expect(404);
    assert.deepEqual(res.body, { error: { code: 'not_found', message: "secret 'nope' does not exist" } });
  });
});
