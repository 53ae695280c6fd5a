// The data plane defends itself too: a configuration the control plane would
// refuse (here written straight into the database, as an older control plane
// or a hand edit could) never reaches the wire. An authentication header, a
// metadata address, or a secret pointed at a host it does not allow: each
// attempt is refused with 502 `destination_refused`, and the provider never
// sees the request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mongoose from 'mongoose';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let fake: FakeProvider;
let client: mongoose.mongo.MongoClient;

before(async () => {
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-policy' })]);
  client = await mongoose.mongo.MongoClient.connect(stack.mongoUri);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-policy' });
});

after(async () => {
  await client?.close();
  await stack?.close();
  await fake?.close();
});

async function chat(model: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** Saves a valid endpoint through the API, then edits its destination behind the control plane's back. */
async function tampered(name: string, edit: Record<string, unknown>): Promise<void> {
  await putEndpoint(stack, {
    name,
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  });
  await waitFor(`${name} served`, async () => ((await chat(name)).status === 200 ? true : undefined));
  await client.db(stack.dbName).collection('endpoints').updateOne({ name }, { $set: edit });
  // Any write bumps the configuration version, and the data plane fetches the edited endpoint with it.
  await stack.api('POST', '/api/v1/budgets', {
    name: `bump-${name}`,
    unit: 'usd',
    limit: 1000,
    window: { unit: 'days', size: 1 },
    action: 'reject',
    scope: { type: 'global' },
  });
}

test('an authentication header in a destination is never sent', async () => {
  await tampered('hdr', { 'destinations.0.options.headers': { authorization: 'Bearer sk-from-a-header' } });
  const before = fake.requests.length;
  const res = await waitFor('refused', async () => {
    const r = await chat('hdr');
    return r.status === 502 ? r : undefined;
  });
  assert.equal(res.body.error!.code, 'destination_refused');
  assert.match(res.body.error!.message, /authentication header/);
  const sent = fake.requests.slice(before);
  assert.ok(!sent.some((r) => JSON.stringify(r.headers).includes('sk-from-a-header')), 'the provider never saw the header');
});

test('a cloud metadata address is never dialled', async () => {
  await tampered('meta', { 'destinations.0.options.baseUrl': 'http://169.254.169.254/latest' });
  const res = await waitFor('refused', async () => {
    const r = await chat('meta');
    return r.status === 502 ? r : undefined;
  });
  assert.equal(res.body.error!.code, 'destination_refused');
  assert.match(res.body.error!.message, /metadata/);
});

test('a secret is never sent to a host it does not allow', async () => {
  await tampered('exfil', { 'destinations.0.options.baseUrl': 'http://collector.attacker.example:8080/v1' });
  const res = await waitFor('refused', async () => {
    const r = await chat('exfil');
    return r.status === 502 ? r : undefined;
  });
  assert.equal(res.body.error!.code, 'destination_refused');
  assert.match(res.body.error!.message, /would send its secret's credentials to collector\.attacker\.example/);
});
