import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaFake } from '../../../test/fake-providers/ollama';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { ProviderError, type ResponseContext, type Target } from '../contract';
import { createStreamDecoder, decodeAll } from '../framing';
import { ollamaProvider as provider } from './index';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'ollama-test', newId: () => `call_${++n}` };
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
  const chunks = decodeAll('ndjson', fs.readFileSync(path.join(dir, 'tools.chunks.txt'))).flatMap((e) => t.push(e));
  assert.deepEqual(argsOf(chunks), whole.choices[0]!.message.tool_calls!.map((c) => c.function.arguments));
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
    (e: unknown) => e instanceof ProviderError && e.status === 400,
  );
  assert.throws(() => provider.embeddings!.buildRequest({ model: 'e', input: [[1, 2]] }, t), (e: unknown) => e instanceof ProviderError && e.status === 400);
});

let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startOllamaFake({ models: ['llama3.2', 'nomic-embed-text'] });
  target = { provider: 'ollama', model: 'llama3.2', credentials: {}, options: { baseUrl: fake.url } };
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
  const toolCalls = [{ name: 'a', arguments: '{"x":[1,{"y":"z\\"q"}]}' }, { name: 'b', arguments: '{}' }];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls });
  const whole = provider.chat.parseResponse(await (await call(ask)).json(), ctx());
  const { chunks } = await stream(ask);
  assert.deepEqual(argsOf(chunks), whole.choices[0]!.message.tool_calls!.map((c) => c.function.arguments));
  assert.deepEqual(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((d) => [d.index, d.id]), [[0, 'call_1'], [1, 'call_2']]);
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('fake: unknown model, in-stream error, truncation, embeddings', async () => {
  const res = await call(ask, { ...target, model: 'llama9' });
  assert.equal(provider.parseError(res.status, await res.text(), {}).status, 502);
  fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
  const failed = await stream(ask);
  assert.ok(failed.error instanceof ProviderError);
  assert.equal(failed.completed, false);
  fake.enqueue({ kind: 'truncate', afterChunks: 2 });
  assert.equal((await stream(ask)).completed, false);
  const et = { ...target, model: 'nomic-embed-text' };
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a b', 'c'] }, et);
  const out = provider.embeddings!.parseResponse(await (await fetch(up.url, { method: 'POST', headers: up.headers, body: up.body })).json(), ctx());
  assert.deepEqual([out.data.length, out.usage.prompt_tokens, out.model], [2, 3, 'nomic-embed-text']);
});
