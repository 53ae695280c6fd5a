import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCohereFake } from '../../../test/fake-providers/cohere';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatRequest } from '../../openai/types';
import { GatewayError, type Target } from '../contract';
import { sendUpstream, translateStreamedResponse } from '../shared/http-testing';
import { fixtureToolArguments, streamedToolArguments, testContext } from '../shared/testing';
import { cohereProvider as provider } from './index';
import { toolCallInput } from '../../openai/tool-call-input';

const ctx = () => testContext('cohere-test', 'call_');

test('streamed tool-call arguments equal the non-streamed ones (fixture)', () => {
  const { streamed, whole } = fixtureToolArguments(provider.chat, __dirname, 'tools', ctx);
  assert.deepEqual(streamed, whole);
});

test('errors: Cohere messages, statuses mapped', () => {
  const limited = provider.parseError(429, '{"id":"x","message":"You are using a Trial key, which is limited to 10 API calls / minute."}', {
    'retry-after': '6',
  });
  assert.deepEqual([limited.status, limited.type, limited.retryAfterMs], [429, 'rate_limit_exceeded', 6000]);
  const bad = provider.parseError(400, '{"id":"x","message":"invalid request: message must be at least 1 token long."}', {});
  assert.deepEqual([bad.status, bad.type], [400, 'invalid_request_error']);
  assert.match(bad.message, /at least 1 token/);
  const auth = provider.parseError(401, '{"id":"x","message":"invalid api token"}', {});
  assert.deepEqual([auth.status, auth.upstreamStatus], [502, 401]);
  assert.equal(provider.parseError(503, '{"message":"service unavailable"}', {}).status, 503);
  assert.equal(provider.parseError(500, '{"message":"internal"}', {}).status, 502);
});

test('embeddings: v2 embed with float type; tool_choice naming an unknown tool is a 400', () => {
  const t: Target = { provider: 'cohere', model: 'embed-v4.0', credentials: { apiKey: 'k' }, options: {} };
  const up = provider.embeddings!.buildRequest({ model: 'e', input: 'hi', dimensions: 256 }, t);
  assert.equal(up.url, 'https://api.cohere.com/v2/embed');
  assert.deepEqual(JSON.parse(String(up.body)), {
    model: 'embed-v4.0',
    texts: ['hi'],
    input_type: 'search_document',
    embedding_types: ['float'],
    output_dimension: 256,
  });
  assert.throws(
    () =>
      provider.chat.buildRequest(
        {
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function', function: { name: 'a' } }],
          tool_choice: { type: 'function', function: { name: 'b' } },
        },
        t,
      ),
    (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'tool_choice',
  );
});

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startCohereFake({ apiKey: 'co-key' });
  target = { provider: 'cohere', model: 'command-a-03-2025', credentials: { apiKey: 'co-key' }, options: { baseUrl: fake.url } };
});
after(() => fake.close());

const call = (req: ChatRequest, t: Target = target) => sendUpstream(provider.chat.buildRequest(req, t));
const stream = async (req: ChatRequest) => translateStreamedResponse(await call({ ...req, stream: true }), provider.chat, ctx(), req);

const ask: ChatRequest = { model: 'chat', messages: [{ role: 'user', content: 'hello cohere' }] };

test('fake: chat and stream echo', async () => {
  const completion = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  assert.equal(completion.choices[0]?.message.content, 'echo: hello cohere');
  assert.equal(JSON.parse(fake.requests.at(-1)!.body).stream, false);
  const { chunks, completed } = await stream(ask);
  assert.equal(completed, true);
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'echo: hello cohere');
});

test('fake: pretty-printed tool arguments stream and non-stream to the same minified text', async () => {
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
    streamedToolArguments(chunks).map((a) => JSON.parse(a)),
    toolCalls.map((t) => JSON.parse(t.arguments)),
  );
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('fake: wrong key, in-stream ERROR, truncation, embeddings', async () => {
  const res = await call(ask, { ...target, credentials: { apiKey: 'wrong' } });
  assert.equal(provider.parseError(res.status, await res.text(), {}).status, 502);
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const failed = await stream(ask);
  assert.ok(failed.error instanceof GatewayError);
  assert.equal(failed.completed, false);
  fake.enqueue({ kind: 'truncate', afterChunks: 2 });
  assert.equal((await stream(ask)).completed, false);
  const et = { ...target, model: 'embed-v4.0' };
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a b', 'c'] }, et);
  const out = provider.embeddings!.parseResponse(await (await sendUpstream(up)).json(), { ...ctx(), model: 'embed-v4.0' });
  assert.deepEqual([out.data.length, out.usage.prompt_tokens, out.model], [2, 3, 'embed-v4.0']);
});
