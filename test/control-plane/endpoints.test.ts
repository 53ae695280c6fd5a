import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatEndpoint, openaiSecret, startHarness, type Harness } from './harness';

describe('endpoints API', () => {
  let h: Harness;
  let secretId: string;
  before(async () => {
    h = await startHarness();
    secretId = (await h.as('admin').post('/api/v1/secrets').send(openaiSecret()).expect(201)).body.id;
  });
  after(async () => h?.close());

  it('creates with defaults and stores the secret reference as its id', async () => {
    const res = await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint()).expect(201);
    const e = res.body;
    assert.equal(e.name, 'chat-main');
    assert.equal(e.version, 1);
    assert.equal(e.enabled, true);
    assert.equal(e.logPayloads, false);
    assert.equal(e.destinations[0].secret, secretId);
    assert.equal(e.destinations[0].timeoutMs, 30000);
    assert.deepEqual(e.destinations[0].options, {});
    assert.equal(e.destinations[1].secret, undefined);
    assert.deepEqual(e.fallback, { chain: ['local'], maxAttempts: 3, triggers: ['429', '5xx', 'timeout', 'connection'] });
    const got = await h.as('viewer').get('/api/v1/endpoints/chat-main').expect(200);
    assert.deepEqual(got.body, e);
    const list = await h.as('viewer').get('/api/v1/endpoints').expect(200);
    assert.deepEqual(
      list.body.items.map((x: { name: string }) => x.name),
      ['chat-main'],
    );
  });

  it('rejects a duplicate name with 409', async () => {
    const res = await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint()).expect(409);
    assert.equal(res.body.error.code, 'endpoint_name_taken');
  });

  it('explains validation failures, naming the field', async () => {
    const cases: Array<[object, RegExp]> = [
      [
        { ...chatEndpoint('w'), destinations: [{ id: 'a', provider: 'openai', model: 'm', secret: 'openai-key', weight: 90 }] },
        /destinations: weights must sum to 100 \(they sum to 90\)/,
      ],
      [{ ...chatEndpoint('bad name!') }, /body\.name: must match pattern/],
      [
        { ...chatEndpoint('u'), destinations: [{ id: 'a', provider: 'openai', model: 'm', secret: 'missing', weight: 100 }] },
        /destinations\[0\]\.secret: secret 'missing' does not exist/,
      ],
      [
        { ...chatEndpoint('p'), destinations: [{ id: 'a', provider: 'anthropic', model: 'm', weight: 100 }] },
        /destinations\[0\]\.secret: is required for provider anthropic/,
      ],
      [
        { ...chatEndpoint('q'), destinations: [{ id: 'a', provider: 'nope', model: 'm', weight: 100 }] },
        /body\.destinations\[0\]\.provider: must be equal to one of the allowed values/,
      ],
      [
        { ...chatEndpoint('r'), destinations: [{ id: 'a', provider: 'openai', model: 'm', secret: 'openai-key', weight: 101 }] },
        /body\.destinations\[0\]\.weight: must be <= 100/,
      ],
      [{ ...chatEndpoint('s'), fallback: { chain: ['ghost'] } }, /fallback\.chain\[0\]: 'ghost' is not a destination id/],
      [{ ...chatEndpoint('t'), stickiness: { by: 'header' } }, /stickiness\.header: is required when stickiness\.by is "header"/],
      [
        {
          ...chatEndpoint('v'),
          destinations: [
            { id: 'a', provider: 'ollama', model: 'm', weight: 50 },
            { id: 'a', provider: 'ollama', model: 'm', weight: 50 },
          ],
        },
        /destinations\[1\]\.id: 'a' is used by another destination/,
      ],
      [
        { ...chatEndpoint('x'), destinations: [{ id: 'a', provider: 'bedrock', model: 'm', secret: 'openai-key', weight: 100 }] },
        /destinations\[0\]\.secret: secret 'openai-key' is for provider openai, not bedrock/,
      ],
      [{ ...chatEndpoint('y'), surprise: 1 }, /body: must NOT have additional properties|surprise/],
      [{ name: 'z', kind: 'chat' }, /body\.destinations: must have required property|destinations/],
    ];
    for (const [body, expected] of cases) {
      const res = await h.as('admin').post('/api/v1/endpoints').send(body).expect(400);
      assert.equal(res.body.error.code, 'validation_failed', JSON.stringify(res.body));
      assert.match(res.body.error.message, expected);
      assert.ok(Array.isArray(res.body.error.details));
    }
  });

  it('rejects malformed JSON with the error shape', async () => {
    const res = await h.as('admin').post('/api/v1/endpoints').set('Content-Type', 'application/json').send('{"name":').expect(400);
    assert.equal(res.body.error.code, 'invalid_json');
  });

  it('PATCH changes given fields, keeps the rest, bumps the version', async () => {
    const before = await h.cp.services.versions.current();
    const res = await h
      .as('admin')
      .patch('/api/v1/endpoints/chat-main')
      .send({ logPayloads: true, rateLimits: { requestsPerMinute: 60 } })
      .expect(200);
    assert.equal(res.body.version, 2);
    assert.equal(res.body.logPayloads, true);
    assert.deepEqual(res.body.rateLimits, { requestsPerMinute: 60 });
    assert.equal(res.body.destinations.length, 2);
    assert.ok((await h.cp.services.versions.current()) > before);
  });

  it('PATCH re-checks cross-field rules on the merged result', async () => {
    const res = await h
      .as('admin')
      .patch('/api/v1/endpoints/chat-main')
      .send({ destinations: [{ id: 'only', provider: 'ollama', model: 'm', weight: 100 }] })
      .expect(400);
    assert.match(res.body.error.message, /fallback\.chain\[0\]: 'local' is not a destination id/);
    const name = await h.as('admin').patch('/api/v1/endpoints/chat-main').send({ name: 'renamed' }).expect(400);
    assert.match(name.body.error.message, /name: cannot be changed/);
  });

  it('PUT replaces: omitted optional fields go back to defaults', async () => {
    const { name: _n, ...body } = chatEndpoint();
    const res = await h
      .as('admin')
      .put('/api/v1/endpoints/chat-main')
      .send({ ...body, fallback: { chain: [], triggers: ['4xx', '5xx'] } })
      .expect(200);
    assert.equal(res.body.version, 3);
    assert.equal(res.body.logPayloads, false);
    assert.equal(res.body.rateLimits, undefined);
    assert.deepEqual(res.body.fallback, { chain: [], maxAttempts: 3, triggers: ['4xx', '5xx'] });
    await h.as('admin').put('/api/v1/endpoints/nope').send(body).expect(404);
  });

  it('DELETE removes it, then 404', async () => {
    await h.as('admin').delete('/api/v1/endpoints/chat-main').expect(204);
    await h.as('admin').get('/api/v1/endpoints/chat-main').expect(404);
    await h.as('admin').delete('/api/v1/endpoints/chat-main').expect(404);
  });

  it('records every change in the audit log, newest first, paginated', async () => {
    const page1 = await h.as('admin').get('/api/v1/audit?targetType=endpoint&limit=2').expect(200);
    assert.deepEqual(
      page1.body.items.map((e: { action: string }) => e.action),
      ['endpoint.delete', 'endpoint.replace'],
    );
    assert.equal(page1.body.items[0].actor, 'admin-user');
    assert.equal(page1.body.items[0].target.name, 'chat-main');
    const page2 = await h.as('admin').get(`/api/v1/audit?targetType=endpoint&limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    assert.deepEqual(
      page2.body.items.map((e: { action: string }) => e.action),
      ['endpoint.patch', 'endpoint.create'],
    );
    assert.equal(page2.body.nextCursor, null);
    await h.as('viewer').get('/api/v1/audit').expect(403);
  });

  it('stores options.baseUrl in the shape the gateway appends its paths to, and refuses one that cannot be a base URL', async () => {
    const endpoint = (baseUrl: string) => ({
      name: 'ollama-pasted',
      kind: 'chat',
      destinations: [{ id: 'gpu', provider: 'ollama', model: 'llama3', weight: 100, options: { baseUrl } }],
    });
    // Ollama's OpenAI-compatible URL as its docs show it: the gateway speaks Ollama's native /api and appends it itself.
    const saved = await h.as('admin').post('/api/v1/endpoints').send(endpoint('https://gpu.example.com/v1/')).expect(201);
    assert.equal(saved.body.destinations[0].options.baseUrl, 'https://gpu.example.com');
    const refused = await h.as('admin').put('/api/v1/endpoints/ollama-pasted').send(endpoint('https://user:pw@gpu.example.com')).expect(400);
    assert.deepEqual(
      refused.body.error.details.map((d: { field: string }) => d.field),
      ['destinations[0].options.baseUrl'],
    );
    assert.match(refused.body.error.details[0].message, /credentials/);
    await h.as('admin').delete('/api/v1/endpoints/ollama-pasted').expect(204);
  });

  // Last: its audit entries would otherwise be in the audit test's pages.
  it('racing PATCHes: each version is won by one of them, the others are 409s, on FerretDB too', async () => {
    // FerretDB checks `version` and writes in separate steps: unserialized, two racing updates could both
    // apply to the same version, both answered as saved while one of them was lost.
    await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint('racing')).expect(201);
    const admin = { sub: 'admin-user', role: 'admin' as const };
    for (let round = 0; round < 30; round++) {
      const before = (await h.cp.services.endpoints.get('racing')).version;
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => h.cp.services.endpoints.patch(admin, 'racing', { rateLimits: { requestsPerMinute: 100 * round + i + 1 } })),
      );
      const saved = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { status?: number }).status, 409);
      const after = await h.cp.services.endpoints.get('racing');
      assert.equal(after.version - before, saved.length, `round ${round}: ${saved.length} saved, version ${before} -> ${after.version}`);
      assert.deepEqual(new Set(saved.map((e) => e.version)).size, saved.length, `round ${round}: a version saved twice`);
    }
  });
});
