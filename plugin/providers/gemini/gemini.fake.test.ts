// The provider against the fake Gemini server over real HTTP: the wire
// format both sides speak must agree, including errors and broken streams.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGeminiFake } from '../../../test/fake-providers/gemini';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatRequest } from '../../openai/types';
import { GatewayError, type ResponseContext, type Target } from '../contract';
import { sendUpstream, translateStreamedResponse } from '../shared/http-testing';
import { streamedToolArguments } from '../shared/testing';
import { geminiProvider as provider } from './index';
import { toolCallInput } from '../../openai/tool-call-input';

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startGeminiFake({ apiKey: 'fake-key' });
  target = { provider: 'gemini', model: 'gemini-2.0-flash', credentials: { apiKey: 'fake-key' }, options: { baseUrl: fake.url } };
});
after(() => fake.close());

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-e2e', created: 1, model: 'gemini-2.0-flash', newId: () => `call_${++n}` };
}

const call = (req: ChatRequest, t: Target = target) => sendUpstream(provider.chat.buildRequest(req, t));

async function stream(req: ChatRequest) {
  const res = await call({ ...req, stream: true });
  assert.equal(res.status, 200);
  return translateStreamedResponse(res, provider.chat, ctx(), req, { callEnd: true });
}

const ask: ChatRequest = { model: 'chat', messages: [{ role: 'user', content: 'hello fake' }] };

test('ok: echoes the last user text', async () => {
  const res = await call(ask);
  const completion = provider.chat.parseResponse(await res.json(), ctx());
  assert.equal(completion.choices[0]?.message.content, 'echo: hello fake');
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.ok(completion.usage!.total_tokens > 0);
  assert.equal(fake.requests.at(-1)?.path, '/v1beta/models/gemini-2.0-flash:generateContent');
});

test('ok stream with tool calls: same arguments as non-streamed, finish tool_calls, signature kept', async () => {
  const toolCalls = [
    { name: 'get_weather', arguments: '{"city":"Paris","nested":{"a":[1,2,"x\\"y"]}}' },
    { name: 'get_time', arguments: '{}' },
  ];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls, chunkGapMs: 5 });
  const whole = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  const { chunks, completed } = await stream(ask);
  assert.equal(completed, true);
  const args = streamedToolArguments(chunks);
  assert.deepEqual(
    args,
    whole.choices[0]!.message.tool_calls!.map((t) => toolCallInput(t).text),
  );
  assert.deepEqual(
    args.map((a) => JSON.parse(a)),
    toolCalls.map((t) => JSON.parse(t.arguments)),
  );
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  assert.deepEqual(whole.choices[0]?.message.provider_state, { gemini: { toolCallSignatures: { call_1: 'sig-get_weather' } } });
});

test('status 429 with RetryInfo → 429 with retryAfterMs', async () => {
  fake.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 7, message: 'Quota exceeded' });
  const res = await call(ask);
  const err = provider.parseError(res.status, await res.text(), Object.fromEntries(res.headers));
  assert.equal(err.status, 429);
  assert.equal(err.retryAfterMs, 7000);
});

test('a wrong provider key → 502 naming the gateway credentials', async () => {
  const res = await call(ask, { ...target, credentials: { apiKey: 'wrong' } });
  assert.equal(res.status, 400);
  const err = provider.parseError(res.status, await res.text(), Object.fromEntries(res.headers));
  assert.equal(err.status, 502);
  assert.match(err.message, /credentials/);
});

test('in-stream error → GatewayError after the first chunks', async () => {
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const { chunks, completed, error } = await stream(ask);
  assert.equal(chunks.length, 1);
  assert.equal(completed, false);
  assert.ok(error instanceof GatewayError);
  assert.equal(error.status, 503);
});

test('truncated stream → not completed', async () => {
  fake.enqueue({ kind: 'truncate', afterChunks: 2 });
  const { completed } = await stream(ask);
  assert.equal(completed, false);
});

test('malformed body → parse failure the pipeline turns into 502', async () => {
  fake.enqueue({ kind: 'malformed' });
  const res = await call(ask);
  await assert.rejects(res.json());
});

test('embeddings batch', async () => {
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a', 'bb'], dimensions: 4 }, { ...target, model: 'text-embedding-004' });
  const res = await sendUpstream(up);
  const out = provider.embeddings!.parseResponse(await res.json(), ctx());
  assert.equal(out.data.length, 2);
  assert.equal((out.data[0]!.embedding as number[]).length, 4);
});
