// The fake OpenAI server is faithful if the official `openai` SDK talks to
// it (plain, streaming, tools, embeddings, Azure) and sees the errors the SDK
// knows; and our own translation round-trips through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import { getProvider } from '../../plugin/providers';
import type { Target } from '../../plugin/providers/contract';
import { GatewayError } from '../../plugin/providers/contract';
import { chatRoundTrip } from '../../plugin/providers/shared/http-testing';
import { reassemble } from '../../plugin/providers/shared/testing';
import type { ChatRequest } from '../../plugin/openai/types';
import { startFakeOpenAI } from './openai';
import type { FakeProvider } from './scenario';

let fake: FakeProvider;
let client: OpenAI;

before(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-fake' });
  client = new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 2000 });
});
after(() => fake.close());

describe('fake OpenAI with the official SDK', () => {
  it('answers a chat completion with an echo of the last user message', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping pong' }] });
    assert.equal(res.choices[0]!.message.content, 'echo: ping pong');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.ok(res.usage && res.usage.total_tokens > 0);
    const rec = fake.requests[fake.requests.length - 1];
    assert.equal(rec!.path, '/v1/chat/completions');
    assert.equal(rec!.headers.authorization, 'Bearer sk-fake');
  });

  it('streams with delays, tool calls and the usage chunk', async () => {
    fake.enqueue({
      kind: 'ok',
      text: 'calling',
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris"}' },
        { name: 'get_time', arguments: '{}' },
      ],
      chunkGapMs: 15,
    });
    const started = Date.now();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'weather?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    assert.ok(Date.now() - started >= 15 * 5, 'chunks are spaced in time');
    const final = chunks.filter((c) => c.choices.length === 0);
    assert.equal(final.length, 1);
    assert.ok(final[0]!.usage && final[0]!.usage.prompt_tokens > 0);
    const args = ['', ''];
    for (const c of chunks) for (const tc of c.choices[0]?.delta.tool_calls ?? []) args[tc.index] += tc.function?.arguments ?? '';
    assert.deepEqual(args, ['{"city":"Paris"}', '{}']);
  });

  it('streams through the SDK stream helper (finalChatCompletion)', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, 'echo: hello there');
  });

  it('rejects a wrong key with the native 401', async () => {
    const bad = new OpenAI({ apiKey: 'nope', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError);
      assert.equal(e.code, 'invalid_api_key');
      return true;
    });
  });

  it('answers scripted statuses with native bodies and Retry-After', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfterSeconds: 3 });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.headers?.get('retry-after'), '3');
      assert.equal(e.code, 'rate_limit_exceeded');
      return true;
    });
  });

  it('sends the in-stream error the SDK raises', async () => {
    fake.enqueue({ kind: 'stream-error', afterChunks: 2, message: 'boom mid-stream' });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    let content = '';
    await assert.rejects(
      (async () => {
        for await (const c of stream) content += c.choices[0]?.delta.content ?? '';
      })(),
      (e: unknown) => e instanceof OpenAI.APIError && /boom mid-stream/.test(e.message),
    );
    assert.ok(content.length > 0, 'content chunks came before the error');
  });

  it('truncates, resets, hangs and sends malformed bodies', async () => {
    fake.enqueue({ kind: 'truncate', afterChunks: 1 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    });
    fake.enqueue({ kind: 'reset' });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), OpenAI.APIConnectionError);
    fake.enqueue({ kind: 'hang' });
    const quick = new OpenAI({ apiKey: 'sk-fake', baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 150 });
    await assert.rejects(quick.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), OpenAI.APIConnectionTimeoutError);
    fake.enqueue({ kind: 'malformed' });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
  });

  it('serves embeddings as floats and as base64 (the SDK default)', async () => {
    const viaSdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a b', 'c'] });
    assert.equal(viaSdk.data.length, 2);
    assert.equal(viaSdk.data[0]!.embedding.length, 8);
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'a b', encoding_format: 'float' });
    assert.ok(Math.abs(floats.data[0]!.embedding[0]! - viaSdk.data[0]!.embedding[0]!) < 1e-6);
  });
});

describe('fake Azure OpenAI with the official SDK', () => {
  it('serves deployments with api-version and the api-key header, streaming included', async () => {
    const azure = new AzureOpenAI({ apiKey: 'sk-fake', endpoint: fake.url, apiVersion: '2024-10-21', deployment: 'gpt-4o-prod', maxRetries: 0 });
    const res = await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi azure' }] });
    assert.equal(res.choices[0]!.message.content, 'echo: hi azure');
    const rec = fake.requests[fake.requests.length - 1];
    assert.equal(rec!.path, '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(rec!.headers['api-key'], 'sk-fake');

    const stream = await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream azure' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'echo: stream azure');

    const wrong = new AzureOpenAI({ apiKey: 'bad', endpoint: fake.url, apiVersion: '2024-10-21', deployment: 'gpt-4o-prod', maxRetries: 0 });
    await assert.rejects(wrong.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
  });
});

const roundTrip = (providerId: 'openai' | 'azure-openai' | 'openai-compatible', target: Target, req: ChatRequest) =>
  chatRoundTrip(getProvider(providerId), target, req);

describe('our translations against the fake', () => {
  const user: ChatRequest = { model: 'ep', messages: [{ role: 'user', content: 'round trip' }] };
  it('openai: plain and streamed, usage requested even when the client did not ask', async () => {
    const target: Target = { provider: 'openai', model: 'gpt-4o-mini', credentials: { apiKey: 'sk-fake' }, options: { baseUrl: `${fake.url}/v1` } };
    const plain = await roundTrip('openai', target, user);
    assert.equal(plain.completion?.choices[0]!.message.content, 'echo: round trip');
    fake.enqueue({ kind: 'ok', toolCalls: [{ name: 'f', arguments: '{"a":[1,2]}' }] });
    const streamed = await roundTrip('openai', target, { ...user, stream: true });
    assert.equal(streamed.completed, true);
    assert.ok(streamed.usage && streamed.usage.total_tokens > 0);
    assert.deepEqual(
      reassemble(streamed.chunks ?? []).tool_calls.map((c) => c.function),
      [{ name: 'f', arguments: '{"a":[1,2]}' }],
    );
    assert.ok(
      (streamed.chunks ?? []).every((c) => c.choices.length > 0),
      'no usage-only chunk',
    );
  });
  it('azure: deployment URL and api-key', async () => {
    const target: Target = {
      provider: 'azure-openai',
      model: 'gpt-4o',
      credentials: { apiKey: 'sk-fake' },
      options: { baseUrl: fake.url, deployment: 'prod' },
    };
    const streamed = await roundTrip('azure-openai', target, { ...user, stream: true });
    assert.equal(reassemble(streamed.chunks ?? []).content, 'echo: round trip');
    assert.equal(streamed.completed, true);
  });
  it('maps a truncated stream to completed() = false and a 401 to a 502', async () => {
    const target: Target = {
      provider: 'openai-compatible',
      model: 'mistral-small',
      credentials: { apiKey: 'sk-fake' },
      options: { baseUrl: `${fake.url}/v1` },
    };
    fake.enqueue({ kind: 'truncate', afterChunks: 2 });
    const cut = await roundTrip('openai-compatible', target, { ...user, stream: true }).catch((e: unknown) => e);
    // Either the read fails (socket destroyed) or the body ends early: never a completed stream.
    if (!(cut instanceof Error)) assert.equal((cut as { completed: boolean }).completed, false);
    await assert.rejects(
      roundTrip('openai-compatible', { ...target, credentials: { apiKey: 'wrong' } }, user),
      (e: unknown) => e instanceof GatewayError && e.status === 502 && e.upstreamStatus === 401,
    );
  });
});
