// Failing providers: fallback triggers, retries with Retry-After, per-attempt
// timeouts, broken bodies and streams, cooldown — all through the Kong driver.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let primary: FakeProvider; // Anthropic
let backup: FakeProvider; // OpenAI
let client: OpenAI;

const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'chat',
  destinations: [
    { id: 'primary', provider: 'anthropic', model: 'claude-sonnet-4-5', secret: 'ant', weight: 100, timeoutMs: 500, options: { baseUrl: primary.url } },
    { id: 'backup', provider: 'openai', model: 'gpt-4o-mini', secret: 'oai', weight: 0, timeoutMs: 2000, options: { baseUrl: `${backup.url}/v1` } },
  ],
  fallback: { chain: ['backup'], maxAttempts: 2 },
  ...extra,
});

before(async () => {
  [stack, primary, backup] = await Promise.all([startStack(), startFakeAnthropic({ apiKey: 'ant-key' }), startFakeOpenAI({ apiKey: 'oai-key' })]);
  await createSecret(stack, 'ant', 'anthropic', { apiKey: 'ant-key' });
  await createSecret(stack, 'oai', 'openai', { apiKey: 'oai-key' });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
});

// Each test gets its own endpoint, so destination health (cooldown) starts clean.
let endpoints = 0;
async function fresh(extra: Record<string, unknown> = {}): Promise<string> {
  const name = `ep-${++endpoints}`;
  await putEndpoint(stack, endpoint(name, extra));
  await waitFor('the endpoint', async () => ((await client.models.list()).data.some((m) => m.id === name) ? true : undefined));
  return name;
}

after(async () => {
  await stack?.close();
  await Promise.all([primary?.close(), backup?.close()]);
});

beforeEach(() => {
  primary.requests.length = 0;
  backup.requests.length = 0;
});

function ask(model: string) {
  return client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
}

async function askStream(model: string) {
  const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi stream' }], stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
  return { text, response };
}

for (const [label, behaviour] of [
  ['HTTP 500', { kind: 'status', status: 500 }],
  ['HTTP 529 overloaded', { kind: 'status', status: 529 }],
  ['a 429', { kind: 'status', status: 429, retryAfterSeconds: 1 }],
  ['a timeout', { kind: 'hang' }],
  ['a connection reset', { kind: 'reset' }],
  ['malformed JSON', { kind: 'malformed' }],
] as const) {
  test(`falls back on ${label}`, async () => {
    const model = await fresh();
    primary.enqueue(behaviour);
    const { data, response } = await ask(model);
    assert.match(data.choices[0]!.message.content ?? '', /hi/);
    assert.equal(response.headers.get('x-gateway-provider'), 'openai');
    assert.equal(response.headers.get('x-gateway-attempts'), '2');
    assert.equal(primary.requests.length, 1);
    assert.equal(backup.requests.length, 1);
  });
}

test('a client error (400) does not fall back and keeps the provider message', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'status', status: 400, message: 'messages: bad block' });
  await assert.rejects(ask(model), (err: APIError) => {
    assert.equal(err.status, 400);
    assert.match(err.message, /bad block/);
    return true;
  });
  assert.equal(backup.requests.length, 0);
});

test('the provider rejecting the gateway key falls back, and is a 502 that says so when nothing is left', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'status', status: 401 });
  backup.enqueue({ kind: 'status', status: 401 });
  await assert.rejects(ask(model), (err: APIError) => {
    assert.equal(err.status, 502);
    assert.match(err.message, /credentials/);
    return true;
  });
});

test('every attempt failing returns the last upstream error with its status', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'status', status: 500 });
  backup.enqueue({ kind: 'status', status: 503 });
  await assert.rejects(ask(model), (err: APIError) => {
    assert.equal(err.status, 503);
    assert.match(err.message, /All 2 attempts failed/);
    return true;
  });
});

test('retrying the same destination waits for Retry-After', async () => {
  const model = await fresh({ destinations: [endpoint('x').destinations[0]], fallback: { chain: [], maxAttempts: 3 } });
  primary.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 1 });
  const started = Date.now();
  const { response } = await ask(model);
  const elapsed = Date.now() - started;
  assert.equal(response.headers.get('x-gateway-attempts'), '2');
  assert.ok(elapsed >= 1000, `waited ${elapsed} ms`);
  assert.ok(Number(response.headers.get('x-gateway-overhead-ms')) < 500, 'the wait is not counted as gateway overhead');
});

test('a stream falls back when the provider fails before the first byte', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'stream-error', afterChunks: 0 });
  const { text, response } = await askStream(model);
  assert.match(text, /hi stream/);
  assert.equal(response.headers.get('x-gateway-provider'), 'openai');
});

test('a stream cut after the first byte ends with an error event, not a fallback', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'truncate', afterChunks: 2 });
  await assert.rejects(askStream(model), (err: APIError) => {
    assert.match(err.message, /mid-stream/);
    return true;
  });
  assert.equal(backup.requests.length, 0);
});

test('an in-stream provider error after the first byte reaches the client as an error event', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'stream-error', afterChunks: 2, message: 'Overloaded' });
  await assert.rejects(askStream(model), (err: APIError) => {
    assert.match(err.message, /Overloaded/);
    return true;
  });
});

test('a destination failing repeatedly is cooled down, then probed again', async () => {
  const model = await fresh();
  primary.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
  for (let i = 0; i < 3; i++) await ask(model);
  assert.equal(primary.requests.length, 3);
  const { response } = await ask(model);
  assert.equal(primary.requests.length, 3, 'the cooled destination is skipped');
  assert.equal(response.headers.get('x-gateway-attempts'), '1');
  assert.equal(response.headers.get('x-gateway-provider'), 'openai');
});
