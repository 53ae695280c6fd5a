// The fake Anthropic server is faithful if the official @anthropic-ai/sdk
// talks to it (plain, streaming, tool use, errors); and our Anthropic
// translation round-trips through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { getProvider } from '../../plugin/providers';
import { GatewayError, type Target } from '../../plugin/providers/contract';
import { chatRoundTrip } from '../../plugin/providers/shared/http-testing';
import { reassemble } from '../../plugin/providers/shared/testing';
import type { ChatRequest, FunctionToolCall } from '../../plugin/openai/types';
import { startFakeAnthropic } from './anthropic';
import type { FakeProvider } from './scenario';

let fake: FakeProvider;
let client: Anthropic;

before(async () => {
  fake = await startFakeAnthropic({ apiKey: 'sk-ant-fake' });
  client = new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0, timeout: 2000 });
});
after(() => fake.close());

describe('fake Anthropic with the official SDK', () => {
  it('answers a message with an echo and records the native headers', async () => {
    const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello claude' }] });
    assert.equal(msg.content[0]!.type, 'text');
    assert.equal(msg.content[0]!.type === 'text' && msg.content[0]!.text, 'echo: hello claude');
    assert.equal(msg.stop_reason, 'end_turn');
    const rec = fake.requests[fake.requests.length - 1];
    // @anthropic-ai/sdk 1.x sends the key as a Bearer token and its own anthropic-version.
    assert.ok(rec!.headers['x-api-key'] === 'sk-ant-fake' || rec!.headers.authorization === 'Bearer sk-ant-fake');
    assert.ok(typeof rec!.headers['anthropic-version'] === 'string');
  });

  it('streams text and tool use that the SDK accumulates into the final message', async () => {
    fake.enqueue({ kind: 'ok', text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' }], chunkGapMs: 10 });
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    assert.equal(texts.join(''), 'Let me check.');
    assert.ok(texts.length > 1, 'text arrived in several deltas');
    assert.equal(final.stop_reason, 'tool_use');
    const tool = final.content.find((b) => b.type === 'tool_use');
    assert.ok(tool && tool.type === 'tool_use');
    assert.deepEqual(tool.input, { location: 'San Francisco, CA' });
    assert.ok(final.usage.output_tokens > 1);
  });

  it('rejects a wrong key and a missing max_tokens natively', async () => {
    const bad = new Anthropic({ apiKey: 'nope', baseURL: fake.url, maxRetries: 0 });
    await assert.rejects(bad.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.AuthenticationError);
    const r = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-fake', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    assert.equal(r.status, 400);
    assert.deepEqual(((await r.json()) as { error: unknown }).error, { type: 'invalid_request_error', message: 'max_tokens: Field required' });
  });

  it('answers scripted 529 and 429 with the documented error types', async () => {
    fake.enqueue({ kind: 'status', status: 529 }, { kind: 'status', status: 429, retryAfterSeconds: 4 });
    await assert.rejects(client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError);
      assert.equal(e.status, 529);
      assert.equal((e.error as { error: { type: string } }).error.type, 'overloaded_error');
      return true;
    });
    await assert.rejects(client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.RateLimitError);
      assert.equal(e.headers?.get('retry-after'), '4');
      return true;
    });
  });

  it('sends the in-stream error event the SDK raises', async () => {
    fake.enqueue({ kind: 'stream-error', afterChunks: 2 });
    const stream = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], stream: true });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of stream) seen.push(ev.type);
      })(),
      (e: unknown) => e instanceof Anthropic.APIError && /Overloaded/.test(e.message),
    );
    assert.ok(seen.includes('content_block_delta'));
  });

  it('hangs, resets and truncates', async () => {
    fake.enqueue({ kind: 'hang' });
    const quick = new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0, timeout: 150 });
    await assert.rejects(quick.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.APIConnectionTimeoutError);
    fake.enqueue({ kind: 'reset' });
    await assert.rejects(client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.APIConnectionError);
    fake.enqueue({ kind: 'truncate', afterChunks: 1 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(stream.finalMessage());
  });
});

const roundTrip = (target: Target, req: ChatRequest) => chatRoundTrip(getProvider('anthropic'), target, req);

describe('our Anthropic translation against the fake', () => {
  const target = (): Target => ({ provider: 'anthropic', model: 'claude-sonnet-4-5', credentials: { apiKey: 'sk-ant-fake' }, options: { baseUrl: fake.url } });
  const req: ChatRequest = {
    model: 'ep',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'round trip' },
    ],
  };

  it('plain and streamed answers agree, tool arguments included', async () => {
    const tools = {
      toolCalls: [
        { name: 'a', arguments: '{"x": 1}' },
        { name: 'b', arguments: '{"y":[true,null]}' },
      ],
    };
    fake.enqueue({ kind: 'ok', text: 'calling two tools', ...tools }, { kind: 'ok', text: 'calling two tools', ...tools });
    const plain = await roundTrip(target(), req);
    const streamed = await roundTrip(target(), { ...req, stream: true });
    const whole = plain.completion!.choices[0];
    const r = reassemble(streamed.chunks!);
    assert.equal(r.content, whole!.message.content);
    assert.equal(r.finish_reason, 'tool_calls');
    assert.deepEqual(
      r.tool_calls.map((c) => c.function),
      whole!.message.tool_calls!.map((c) => (c as FunctionToolCall).function),
    );
    assert.deepEqual(
      r.tool_calls.map((c) => c.function.arguments),
      ['{"x":1}', '{"y":[true,null]}'],
    );
    assert.equal(streamed.completed, true);
    assert.ok(streamed.usage && streamed.usage.prompt_tokens > 0);
    const last = fake.requests[fake.requests.length - 1];
    assert.equal(last!.headers['x-api-key'], 'sk-ant-fake');
    assert.equal(last!.headers['anthropic-version'], '2023-06-01');
    const sent = JSON.parse(last!.body);
    assert.equal(sent.system, 'Be brief.');
    assert.equal(sent.max_tokens, 8192);
  });

  it('maps 529 to 503 and the in-stream error to a thrown GatewayError', async () => {
    fake.enqueue({ kind: 'status', status: 529 });
    await assert.rejects(roundTrip(target(), req), (e: unknown) => e instanceof GatewayError && e.status === 503 && e.upstreamStatus === 529);
    fake.enqueue({ kind: 'stream-error', afterChunks: 1 });
    await assert.rejects(roundTrip(target(), { ...req, stream: true }), (e: unknown) => e instanceof GatewayError && e.code === 'provider_overloaded');
  });
});
