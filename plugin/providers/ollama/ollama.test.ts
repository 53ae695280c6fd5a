import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOllamaFake } from '../../../test/fake-providers/ollama';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatRequest } from '../../openai/types';
import { GatewayError, type Target } from '../contract';
import { sendUpstream, translateStreamedResponse } from '../shared/http-testing';
import { fixtureToolArguments, streamedToolArguments, testContext } from '../shared/testing';
import { ollamaProvider as provider } from './index';
import { toolCallInput } from '../../openai/tool-call-input';

const ctx = () => testContext('ollama-test', 'call_');

test('streamed tool-call arguments equal the non-streamed ones (fixture)', () => {
  const { streamed, whole } = fixtureToolArguments(provider.chat, __dirname, 'tools', ctx);
  assert.deepEqual(streamed, whole);
});

test('errors: unknown model 404 → 502, 400 keeps the message, 500 → 502', () => {
  const notFound = provider.parseError(404, '{"error":"model \\"llama9\\" not found, try pulling it first"}', {});
  assert.deepEqual([notFound.status, notFound.upstreamStatus], [502, 404]);
  assert.match(notFound.message, /llama9/);
  const bad = provider.parseError(400, '{"error":"invalid options: foo"}', {});
  assert.deepEqual([bad.status, bad.type, bad.message], [400, 'invalid_request_error', 'invalid options: foo']);
  assert.equal(provider.parseError(500, '{"error":"llama runner process has terminated"}', {}).status, 502);
  assert.equal(provider.parseError(401, '{"error":"unauthorized"}', {}).status, 502);
  assert.equal(provider.parseError(429, '{"error":"too many requests"}', { 'retry-after': '1' }).retryAfterMs, 1000);
});

test('requests Ollama cannot express are a 400', () => {
  const t: Target = { provider: 'ollama', model: 'llava', credentials: {}, options: {} };
  assert.throws(
    () => provider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, t),
    (e: unknown) => e instanceof GatewayError && e.status === 400,
  );
  assert.throws(
    () => provider.embeddings!.buildRequest({ model: 'e', input: [[1, 2]] }, t),
    (e: unknown) => e instanceof GatewayError && e.status === 400,
  );
});

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startOllamaFake({ models: ['llama3.2', 'nomic-embed-text'] });
  target = { provider: 'ollama', model: 'llama3.2', credentials: {}, options: { baseUrl: fake.url } };
});
after(() => fake.close());

const call = (req: ChatRequest, t: Target = target) => sendUpstream(provider.chat.buildRequest(req, t));
const stream = async (req: ChatRequest) => translateStreamedResponse(await call({ ...req, stream: true }), provider.chat, ctx(), req);

const ask: ChatRequest = { model: 'chat', messages: [{ role: 'user', content: 'hello ollama' }] };

test('fake: non-streamed request says stream:false and gets the echo', async () => {
  const completion = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  assert.equal(completion.choices[0]?.message.content, 'echo: hello ollama');
  assert.equal(JSON.parse(fake.requests.at(-1)!.body).stream, false);
  const { chunks, completed } = await stream(ask);
  assert.equal(completed, true);
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'echo: hello ollama');
});

test('fake: tool calls streamed whole equal the non-streamed ones, ids and indexes assigned', async () => {
  const toolCalls = [
    { name: 'a', arguments: '{"x":[1,{"y":"z\\"q"}]}' },
    { name: 'b', arguments: '{}' },
  ];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls });
  const whole = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  const { chunks } = await stream(ask);
  assert.deepEqual(
    streamedToolArguments(chunks),
    whole.choices[0]!.message.tool_calls!.map((c) => toolCallInput(c).text),
  );
  assert.deepEqual(
    chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((d) => [d.index, d.id]),
    [
      [0, 'call_1'],
      [1, 'call_2'],
    ],
  );
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('fake: unknown model, in-stream error, truncation, embeddings', async () => {
  const res = await call(ask, { ...target, model: 'llama9' });
  assert.equal(provider.parseError(res.status, await res.text(), {}).status, 502);
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const failed = await stream(ask);
  assert.ok(failed.error instanceof GatewayError);
  assert.equal(failed.completed, false);
  fake.enqueue({ kind: 'truncate', afterChunks: 2 });
  assert.equal((await stream(ask)).completed, false);
  const et = { ...target, model: 'nomic-embed-text' };
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a b', 'c'] }, et);
  const out = provider.embeddings!.parseResponse(await (await sendUpstream(up)).json(), ctx());
  assert.deepEqual([out.data.length, out.usage.prompt_tokens, out.model], [2, 3, 'nomic-embed-text']);
});
