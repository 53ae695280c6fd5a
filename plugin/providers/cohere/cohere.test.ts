import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startCohereFake } from '../../../test/fake-providers/cohere';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { ProviderError, type ResponseContext, type Target } from '../contract';
import { createStreamDecoder, decodeAll } from '../framing';
import { cohereProvider as provider } from './index';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'cohere-test', newId: () => `call_${++n}` };
}

function argsOf(chunks: ChatChunk[]): string[] {
  const args: string[] = [];
  for (const c of chunks) for (const d of c.choices[0]?.delta.tool_calls ?? []) args[d.index] = (args[d.index] ?? '') + (d.function?.arguments ?? '');
  return args;
}

test('streamed tool-call arguments equal the non-streamed ones (fixture)', () => {
  const dir = path.join(__dirname, '__fixtures__');
  const fixture = JSON.parse(fs.readFileSync(path.join(dir, 'tools.json'), 'utf8'));
  const whole = provider.chat.parseResponse(fixture.upstreamResponse, ctx());
  const t = provider.chat.createStreamTransformer(ctx(), fixture.request as ChatRequest);
  const chunks = decodeAll('sse', fs.readFileSync(path.join(dir, 'tools.chunks.txt'))).flatMap((e) => t.push(e));
  assert.deepEqual(argsOf(chunks), whole.choices[0]!.message.tool_calls!.map((c) => c.function.arguments));
});

test('errors: Cohere messages, statuses mapped', () => {
  const limited = provider.parseError(429, '{"id":"x","message":"You are using a Trial key, which is limited to 10 API calls / minute."}', { 'retry-after': '6' });
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
  assert.deepEqual(JSON.parse(String(up.body)), { model: 'embed-v4.0', texts: ['hi'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 256 });
  assert.throws(
    () => provider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'a' } }], tool_choice: { type: 'function', function: { name: 'b' } } }, t),
    (e: unknown) => e instanceof ProviderError && e.status === 400 && e.param === 'tool_choice',
  );
});

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startCohereFake({ apiKey: 'co-key' });
  target = { provider: 'cohere', model: 'command-a-03-2025', credentials: { apiKey: 'co-key' }, options: { baseUrl: fake.url } };
});
after(() => fake.close());

async function call(req: ChatRequest, t: Target = target): Promise<Response> {
  const up = provider.chat.buildRequest(req, t);
  return fetch(up.url, { method: up.method, headers: up.headers, body: up.body });
}

async function stream(req: ChatRequest): Promise<{ chunks: ChatChunk[]; completed: boolean; error?: unknown }> {
  const res = await call({ ...req, stream: true });
  const decoder = createStreamDecoder(provider.chat.framing);
  const transformer = provider.chat.createStreamTransformer(ctx(), req);
  const chunks: ChatChunk[] = [];
  try {
    for await (const bytes of res.body!) for (const e of decoder.push(bytes)) chunks.push(...transformer.push(e));
    for (const e of decoder.end()) chunks.push(...transformer.push(e));
  } catch (error) {
    return { chunks, completed: transformer.completed(), error };
  }
  return { chunks, completed: transformer.completed() };
}

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
  const toolCalls = [{ name: 'a', arguments: '{"x":[1,{"y":"z\\"q"}]}' }, { name: 'b', arguments: '{}' }];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls });
  const whole = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  const { chunks } = await stream(ask);
  assert.deepEqual(argsOf(chunks), whole.choices[0]!.message.tool_calls!.map((c) => c.function.arguments));
  assert.deepEqual(argsOf(chunks).map((a) => JSON.parse(a)), toolCalls.map((t) => JSON.parse(t.arguments)));
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('fake: wrong key, in-stream ERROR, truncation, embeddings', async () => {
  const res = await call(ask, { ...target, credentials: { apiKey: 'wrong' } });
  assert.equal(provider.parseError(res.status, await res.text(), {}).status, 502);
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const failed = await stream(ask);
  assert.ok(failed.error instanceof ProviderError);
  assert.equal(failed.completed, false);
  fake.enqueue({ kind: 'truncate', afterChunks: 2 });
  assert.equal((await stream(ask)).completed, false);
  const et = { ...target, model: 'embed-v4.0' };
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a b', 'c'] }, et);
  const out = provider.embeddings!.parseResponse(await (await fetch(up.url, { method: 'POST', headers: up.headers, body: up.body })).json(), { ...ctx(), model: 'embed-v4.0' });
  assert.deepEqual([out.data.length, out.usage.prompt_tokens, out.model], [2, 3, 'embed-v4.0']);
});
