// The provider against the fake Bedrock Runtime over real HTTP: SigV4 checked
// by the fake, binary event streams, exceptions and broken streams.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BEDROCK_TEST_CREDENTIALS, startBedrockFake } from '../../../test/fake-providers/bedrock';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatRequest } from '../../openai/types';
import { GatewayError, type ResponseContext, type Target, type UpstreamRequest } from '../contract';
import { sendUpstream, translateStreamedResponse } from '../shared/http-testing';
import { streamedToolArguments } from '../shared/testing';
import { bedrockProvider as provider } from './index';
import { toolCallInput } from '../../openai/tool-call-input';

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startBedrockFake({ apiKey: 'fake-bedrock-api-key' });
  target = {
    provider: 'bedrock',
    model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    credentials: { ...BEDROCK_TEST_CREDENTIALS, region: 'us-east-1' },
    options: { baseUrl: fake.url },
  };
});
after(() => fake.close());

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-e2e', created: 1, model: 'claude', newId: () => `call_${++n}` };
}

async function send(up: UpstreamRequest, t: Target): Promise<Response> {
  return sendUpstream(await provider.sign!(up, t, new Date()));
}

const call = (req: ChatRequest, t: Target = target) => send(provider.chat.buildRequest(req, t), t);

async function stream(req: ChatRequest) {
  const res = await call({ ...req, stream: true });
  assert.equal(res.status, 200);
  return translateStreamedResponse(res, provider.chat, ctx(), req);
}

const ask: ChatRequest = { model: 'chat', messages: [{ role: 'user', content: 'hello bedrock' }] };

test('signed Converse call: the fake recomputes the signature and echoes', async () => {
  const res = await call(ask);
  assert.equal(res.status, 200);
  const completion = provider.chat.parseResponse(await res.json(), ctx());
  assert.equal(completion.choices[0]?.message.content, 'echo: hello bedrock');
  assert.equal(fake.requests.at(-1)?.path, '/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
});

test('an ARN model id signs and routes correctly', async () => {
  const t = { ...target, model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0' };
  const res = await call(ask, t);
  assert.equal(res.status, 200);
});

test('a wrong secret → InvalidSignatureException → 502 about gateway credentials', async () => {
  const t = { ...target, credentials: { ...target.credentials, secretAccessKey: 'wrong' } };
  const res = await call(ask, t);
  assert.equal(res.status, 403);
  const err = provider.parseError(res.status, await res.text(), Object.fromEntries(res.headers));
  assert.equal(err.status, 502);
  assert.match(err.message, /InvalidSignatureException/);
});

test('a Bedrock API key is accepted as a bearer token', async () => {
  const t = { ...target, credentials: { apiKey: 'fake-bedrock-api-key', region: 'us-east-1' } };
  assert.equal((await call(ask, t)).status, 200);
});

test('streamed tool calls reassemble to the non-streamed arguments', async () => {
  const toolCalls = [
    { name: 'top_song', arguments: '{"sign":"WZPZ","nested":{"list":[1,2,"a\\"b"]}}' },
    { name: 'now', arguments: '{}' },
  ];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls, chunkGapMs: 3 });
  const whole = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  const { chunks, completed } = await stream(ask);
  assert.equal(completed, true);
  const args = streamedToolArguments(chunks);
  assert.deepEqual(
    args,
    whole.choices[0]!.message.tool_calls!.map((t) => toolCallInput(t).text),
  );
  assert.equal(whole.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('status 429 → rate limit with Retry-After', async () => {
  fake.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 2 });
  const res = await call(ask);
  const err = provider.parseError(res.status, await res.text(), Object.fromEntries(res.headers));
  assert.deepEqual([err.status, err.retryAfterMs], [429, 2000]);
});

test('in-stream exception → GatewayError; truncation → not completed', async () => {
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const failed = await stream(ask);
  assert.ok(failed.error instanceof GatewayError);
  assert.equal(failed.error.status, 502);
  assert.equal(failed.completed, false);
  fake.enqueue({ kind: 'truncate', afterChunks: 1 });
  assert.equal((await stream(ask)).completed, false);
});

test('Titan and Cohere embeddings through InvokeModel', async () => {
  const titan = { ...target, model: 'amazon.titan-embed-text-v2:0' };
  const t = await send(provider.embeddings!.buildRequest({ model: 'e', input: 'hi', dimensions: 4 }, titan), titan);
  assert.equal((provider.embeddings!.parseResponse(await t.json(), ctx()).data[0]!.embedding as number[]).length, 4);
  const cohere = { ...target, model: 'cohere.embed-english-v3' };
  const c = await send(provider.embeddings!.buildRequest({ model: 'e', input: ['a', 'b'] }, cohere), cohere);
  assert.equal(provider.embeddings!.parseResponse(await c.json(), ctx()).data.length, 2);
});
