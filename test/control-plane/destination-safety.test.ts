// What an admin may not configure (the reproductions of "SSRF and secret
// exfiltration by configuration" and of unchecked destination headers), each
// refused when saved with a 400 naming the field; and audit entries that say
// what changed, never a secret value.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STRICT } from '../../plugin/upstream/outbound-policy';
import { chatEndpoint, openaiSecret, startHarness, type Harness } from './harness';

const endpointWith = (name: string, destination: Record<string, unknown>) => ({
  name,
  kind: 'chat',
  destinations: [{ id: 'main', provider: 'openai', model: 'gpt-4o-mini', secret: 'openai-key', weight: 100, ...destination }],
});

describe('destination and webhook safety', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.as('admin').post('/api/v1/secrets').send(openaiSecret()).expect(201);
  });
  after(async () => h?.close());

  async function refused(body: unknown, field: RegExp, message: RegExp, raw?: string) {
    const req = h.as('admin').post('/api/v1/endpoints').set('content-type', 'application/json');
    const res = await req.send(raw ?? JSON.stringify(body)).expect(400);
    assert.equal(res.body.error.code, 'validation_failed');
    const detail = (res.body.error.details as Array<{ field: string; message: string }>).find((d) => field.test(d.field));
    assert.ok(detail, `a detail naming ${field}: ${JSON.stringify(res.body.error)}`);
    assert.match(detail.message, message);
  }

  it('headers: authentication headers, framing headers, CR/LF/NUL and object-special names are refused', async () => {
    const headers = (h: Record<string, string>) => endpointWith('hdr', { options: { headers: h } });
    await refused(headers({ Authorization: 'Bearer sk-other' }), /headers\.Authorization$/, /authentication header/);
    await refused(headers({ 'x-api-key': 'k' }), /headers\.x-api-key$/, /authentication header/);
    await refused(headers({ 'api-key': 'k' }), /headers\.api-key$/, /authentication header/);
    await refused(headers({ 'X-Goog-Api-Key': 'k' }), /headers\.X-Goog-Api-Key$/, /authentication header/);
    await refused(headers({ 'x-portkey-api-key': 'k' }), /headers\.x-portkey-api-key$/, /authentication header/);
    await refused(headers({ host: 'evil.example' }), /headers\.host$/, /set by the gateway/);
    await refused(headers({ 'x-note': 'a\r\nx-injected: 1' }), /headers\.x-note$/, /control characters/);
    await refused(headers({ 'x-note': 'a\u0000b' }), /headers\.x-note$/, /control characters/);
    await refused(
      undefined,
      /headers\.__proto__$/,
      /not allowed as a header name/,
      JSON.stringify(headers({})).replace('"headers":{}', '"headers":{"__proto__":"x"}'),
    );
    await refused(headers({ constructor: 'x' }), /headers\.constructor$/, /not allowed as a header name/);
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send(endpointWith('hdr-ok', { options: { headers: { 'OpenAI-Organization': 'org-1', 'anthropic-beta': 'x' } } }))
      .expect(201);
  });

  it('baseUrl: other schemes, link-local and cloud metadata always refused; private refused unless allowed', async () => {
    const url = (baseUrl: string) => endpointWith('url', { secret: undefined, provider: 'ollama', options: { baseUrl } });
    for (const [baseUrl, message] of [
      ['file:///etc/passwd', /scheme 'file'/],
      ['gopher://127.0.0.1:6379/_', /scheme 'gopher'/],
      ['http://169.254.169.254/latest/meta-data', /metadata/],
      ['http://[fd00:ec2::254]/', /metadata/],
      ['http://metadata.google.internal/computeMetadata/v1', /cloud metadata service/],
      ['http://169.254.1.1:11434', /link-local/],
      ['http://10.1.2.3:11434', /private address/],
      ['http://0.0.0.0:11434', /link-local or reserved/],
    ] as const) {
      await refused(url(baseUrl), /options\.baseUrl$/, message);
    }
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send(url('http://127.0.0.1:11434'))
      .expect(201, /"name":"url"/);
  });

  it("webhookUrl: the same rules (the control plane's own address included when loopback is not allowed)", async () => {
    const budget = (webhookUrl: string) => ({
      name: 'b',
      unit: 'usd',
      limit: 1,
      window: { unit: 'days', size: 1 },
      action: 'alert',
      webhookUrl,
      scope: { type: 'global' },
    });
    for (const webhookUrl of ['http://169.254.169.254/latest', 'http://metadata.google.internal/', 'http://10.0.0.1/hook']) {
      const res = await h.as('admin').post('/api/v1/budgets').send(budget(webhookUrl)).expect(400);
      assert.match(res.body.error.message, /webhookUrl: /);
    }
    const strict = await startHarness({ config: { outbound: STRICT } });
    try {
      const own = await strict
        .as('admin')
        .post('/api/v1/budgets')
        .send(budget(`${strict.cp.url}/api/v1/secrets`));
      assert.equal(own.status, 400, JSON.stringify(own.body));
      assert.match(own.body.error.message, /loopback address/);
      const url = endpointWith('own', { secret: undefined, provider: 'ollama', options: { baseUrl: strict.cp.url } });
      const res = await strict.as('admin').post('/api/v1/endpoints').send(url).expect(400);
      assert.match(res.body.error.message, /loopback address/);
    } finally {
      await strict.close();
    }
  });

  it("a secret goes only to its provider's hosts and the hosts it lists", async () => {
    await refused(endpointWith('exfil', { options: { baseUrl: 'https://collector.attacker.example/v1' } }), /options\.baseUrl$/, /allowedHosts/);
    await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ ...openaiSecret('proxied'), allowedHosts: ['llm-proxy.corp.example'] })
      .expect(201);
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send(endpointWith('via-proxy', { secret: 'proxied', options: { baseUrl: 'https://llm-proxy.corp.example/v1' } }))
      .expect(201);
    await h
      .as('admin')
      .post('/api/v1/endpoints')
      .send(endpointWith('official', { options: { baseUrl: 'https://api.openai.com/v1' } }))
      .expect(201);
    // Narrowing the list while an endpoint relies on it is refused; the snapshot carries the list to data planes.
    const narrowed = await h.as('admin').patch('/api/v1/secrets/proxied').send({ allowedHosts: [] }).expect(409);
    assert.match(narrowed.body.error.message, /'via-proxy'/);
    const snap = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const dest = snap.body.endpoints.find((e: { name: string }) => e.name === 'via-proxy').destinations[0];
    assert.deepEqual(dest.credentialHosts, ['llm-proxy.corp.example']);
    // A self-hosted provider has no hosts of its own: its secret must name them.
    await h
      .as('admin')
      .post('/api/v1/secrets')
      .send({ name: 'groq', provider: 'openai-compatible', value: { apiKey: 'gsk-0123456789' } })
      .expect(201);
    const groq = {
      name: 'groq',
      kind: 'chat',
      destinations: [
        { id: 'g', provider: 'openai-compatible', model: 'llama', secret: 'groq', weight: 100, options: { baseUrl: 'https://api.groq.com/openai/v1' } },
      ],
    };
    await refused(groq, /options\.baseUrl$/, /add api\.groq\.com to the secret's allowedHosts/);
    await h
      .as('admin')
      .patch('/api/v1/secrets/groq')
      .send({ allowedHosts: ['api.groq.com'] })
      .expect(200);
    await h.as('admin').post('/api/v1/endpoints').send(groq).expect(201);
  });

  it('audit entries carry a field-level diff and never a secret value', async () => {
    await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint('audited')).expect(201);
    await h
      .as('admin')
      .patch('/api/v1/endpoints/audited')
      .send({
        destinations: [
          { ...chatEndpoint().destinations[0], weight: 60 },
          { ...chatEndpoint().destinations[1], weight: 40 },
        ],
      })
      .expect(200);
    await h
      .as('admin')
      .put('/api/v1/secrets/openai-key/value')
      .send({ value: { apiKey: 'sk-rotated-9876543210' } })
      .expect(200);
    const webhook = (token: string) => ({
      name: 'alerted',
      unit: 'usd',
      limit: 5,
      window: { unit: 'days', size: 1 },
      action: 'alert',
      webhookUrl: `https://hooks.example.com/services/${token}`,
      scope: { type: 'global' },
    });
    const created = await h.as('admin').post('/api/v1/budgets').send(webhook('T000/B000/first-token')).expect(201);
    await h.as('admin').put(`/api/v1/budgets/${created.body.id}`).send(webhook('T000/B000/second-token')).expect(200);

    const log = await h.as('admin').get('/api/v1/audit?limit=20').expect(200);
    const entry = (action: string, name: string) =>
      log.body.items.find((e: { action: string; target: { name: string } }) => e.action === action && e.target.name === name);
    assert.deepEqual(entry('endpoint.patch', 'audited').changes, [
      { path: 'destinations[primary].weight', before: 80, after: 60 },
      { path: 'destinations[local].weight', before: 20, after: 40 },
    ]);
    assert.deepEqual(entry('secret.rotate_value', 'openai-key').changes, [{ path: 'value.apiKey', secret: true }]);
    const budgetChange = entry('budget.replace', 'alerted') ?? entry('budget.update', 'alerted');
    assert.deepEqual(budgetChange.changes, [{ path: 'webhookUrl', before: 'https://hooks.example.com/…', after: 'https://hooks.example.com/…', secret: true }]);
    const text = JSON.stringify(log.body);
    for (const secret of ['sk-rotated-9876543210', 'sk-test-0123456789abcdef', 'first-token', 'second-token'])
      assert.ok(!text.includes(secret), `${secret} in the audit log`);
  });
});
