// The client's view: the official OpenAI SDK against the gateway in the Kong
// driver, answered by fake OpenAI and Anthropic servers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let openaiFake: FakeProvider;
let anthropicFake: FakeProvider;
let client: OpenAI;

before(async () => {
  [stack, openaiFake, anthropicFake] = await Promise.all([
    startStack(),
    startFakeOpenAI({ apiKey: 'sk-openai-secret' }),
    startFakeAnthropic({ apiKey: 'sk-ant-secret' }),
  ]);
  await createSecret(stack, 'openai-key', 'openai', { apiKey: 'sk-openai-secret' });
  await createSecret(stack, 'anthropic-key', 'anthropic', { apiKey: 'sk-ant-secret' });
  await putEndpoint(stack, {
    name: 'gpt',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'openai-key', weight: 100, options: { baseUrl: `${openaiFake.url}/v1` } }],
  });
  await putEndpoint(stack, {
    name: 'claude',
    kind: 'chat',
    destinations: [
      { id: 'ant', provider: 'anthropic', model: 'claude-sonnet-4-5', secret: 'anthropic-key', weight: 100, options: { baseUrl: anthropicFake.url } },
    ],
    logPayloads: true,
  });
  await putEndpoint(stack, {
    name: 'embed',
    kind: 'embeddings',
    destinations: [
      { id: 'oai', provider: 'openai', model: 'text-embedding-3-small', secret: 'openai-key', weight: 100, options: { baseUrl: `${openaiFake.url}/v1` } },
    ],
  });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy-key', maxRetries: 0 });
  await waitFor('endpoints to reach the gateway', async () => {
    const models = await client.models.list().catch(() => undefined);
    return models && models.data.length === 3 ? true : undefined;
  });
});

after(async () => {
  await stack?.close();
  await Promise.all([openaiFake?.close(), anthropicFake?.close()]);
});

test('lists the endpoints as models', async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), ['claude', 'embed', 'gpt']);
});

for (const model of ['gpt', 'claude']) {
  test(`${model}: a completion, with the gateway's headers, and the provider key never leaves the server`, async () => {
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hello there' }], user: 'alice' })
      .withResponse();
    assert.match(data.choices[0]!.message.content ?? '', /hello there/);
    assert.equal(data.choices[0]!.finish_reason, 'stop');
    assert.ok(data.usage && data.usage.total_tokens > 0);
    assert.equal(response.headers.get('x-gateway-endpoint'), model);
    assert.equal(response.headers.get('x-gateway-provider'), model === 'gpt' ? 'openai' : 'anthropic');
    assert.equal(response.headers.get('x-gateway-attempts'), '1');
    assert.ok(Number(response.headers.get('x-gateway-overhead-ms')) >= 0);
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const fake = model === 'gpt' ? openaiFake : anthropicFake;
    const sent = fake.requests.at(-1)!;
    assert.ok(!JSON.stringify(sent.headers).includes('dummy-key'), 'the client key is not forwarded');
  });

  test(`${model}: a stream arrives as chunks with usage last, then [DONE]`, async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'stream me a sentence please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks >= 3, `several chunks (${chunks})`);
    assert.match(text, /stream me a sentence please/);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0, 'usage chunk when asked');
  });

  test(`${model}: parallel tool calls, streamed arguments reassembled exactly`, async () => {
    const toolCalls = [
      { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
      { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
    ];
    const tools: OpenAI.ChatCompletionTool[] = toolCalls.map((t) => ({
      type: 'function',
      function: { name: t.name, parameters: { type: 'object', properties: {} } },
    }));
    const fake = model === 'gpt' ? openaiFake : anthropicFake;
    fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls });
    const whole = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'weather and time?' }], tools });
    assert.equal(whole.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(
      whole.choices[0]!.message.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : [])),
      toolCalls.map((t) => [t.name, JSON.parse(t.arguments)]),
    );

    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'weather and time?' }], tools, stream: true });
    const assembled: Array<{ id?: string; name: string; arguments: string }> = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        assembled[d.index] ??= { name: '', arguments: '' };
        if (d.id) assembled[d.index]!.id = d.id;
        assembled[d.index]!.name += d.function?.name ?? '';
        assembled[d.index]!.arguments += d.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(
      assembled.map((c) => [c.name, c.arguments]),
      whole.choices[0]!.message.tool_calls.map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : [])),
    );
    assert.ok(
      assembled.every((c) => c.id),
      'every streamed tool call has an id',
    );
  });
}

test('a tool result turn goes back to the provider in its native shape', async () => {
  await client.chat.completions.create({
    model: 'claude',
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18C and sunny' },
    ],
  });
  const sent = JSON.parse(anthropicFake.requests.at(-1)!.body);
  assert.deepEqual(sent.messages[1].content[0], { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } });
  assert.equal(sent.messages[2].content[0].type, 'tool_result');
  assert.equal(sent.messages[2].content[0].tool_use_id, 'call_1');
});

test('embeddings', async () => {
  const res = await client.embeddings.create({ model: 'embed', input: ['one', 'two'], encoding_format: 'float' });
  assert.equal(res.data.length, 2);
  assert.ok(res.data[0]!.embedding.length > 0);
});

test('errors come in OpenAI shape with the right status', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (err: APIError) => {
    assert.equal(err.status, 404);
    assert.equal(err.code, 'model_not_found');
    return true;
  });
  await assert.rejects(client.chat.completions.create({ model: 'gpt', messages: [{ role: 'wizard' as 'user', content: 'x' }] }), (err: APIError) => {
    assert.equal(err.status, 400);
    assert.equal(err.param, 'messages[0].role');
    return true;
  });
  await assert.rejects(client.embeddings.create({ model: 'gpt', input: 'x' }), (err: APIError) => err.status === 400 && err.code === 'wrong_endpoint_kind');
  const raw = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"model": "gpt", ',
  });
  assert.equal(raw.status, 400);
  const body = (await raw.json()) as { error: { type: string; code: string } };
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, 'invalid_json');
});

test('every request leaves a trace in the control plane, with usage and cost, and no credentials', async () => {
  const { response } = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'trace me' }], user: 'bob' }).withResponse();
  const id = response.headers.get('x-request-id')!;
  const trace = await waitFor('the trace', async () => {
    const res = await stack.api<Record<string, unknown>>('GET', `/api/v1/traces/${id}`);
    return res.status === 200 ? res.body : undefined;
  });
  assert.equal(trace.endpoint, 'claude');
  assert.equal(trace.user, 'bob');
  assert.equal(trace.status, 200);
  assert.equal(trace.provider, 'anthropic');
  assert.ok((trace.usage as { totalTokens: number }).totalTokens > 0);
  assert.ok(typeof trace.costUsd === 'number' && trace.costUsd > 0, 'priced from the maintained table');
  assert.match(String(trace.request), /trace me/, 'payloads kept when the endpoint asks');
  assert.ok(!JSON.stringify(trace).includes('sk-ant-secret'));
  const notFound = await client.chat.completions
    .create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
    .withResponse()
    .catch((e: APIError) => e);
  assert.ok(notFound instanceof APIError);
  const rejectedId = notFound.headers?.get('x-request-id');
  assert.ok(rejectedId);
  const rejected = await waitFor('the rejected trace', async () => {
    const res = await stack.api<Record<string, unknown>>('GET', `/api/v1/traces/${rejectedId}`);
    return res.status === 200 ? res.body : undefined;
  });
  assert.equal(rejected.status, 404);
});

test('a W3C traceparent from the client keeps its trace id on the provider call', async () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }, { headers: { traceparent: parent } });
  const sent = openaiFake.requests.at(-1)!.headers.traceparent as string;
  assert.match(sent, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  assert.notEqual(sent, parent, 'the gateway adds its own span');
});

test('the plugin makes three PDK calls per request', async () => {
  await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'count' }] });
  const stats = stack.driver.lastRequestStats()!;
  assert.deepEqual(stats.pdkCalls, { 'kong.client.get_consumer': 1, 'kong.service.set_target': 1, 'kong.service.request.set_header': 1 });
});

// Issue 9: the second model call of a Google ADK agent over LiteLLM (an
// assistant message with tool_calls and no `content` key at all).
for (const model of ['gpt', 'claude']) {
  test(`${model}: the LiteLLM/ADK tool round trip, content absent, is answered in one attempt`, async () => {
    const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-gateway-attempts'), '1');
    const fake = model === 'gpt' ? openaiFake : anthropicFake;
    assert.match(fake.requests.at(-1)!.body, /sunny/);
  });
}

// Issue 11: a hostile extra field nested 100,000 levels deep.
test('an extra field nested 100,000 levels deep is a 400 naming it, on both ingresses, and leaves a trace', async () => {
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  const openaiBody = `{"model":"gpt","messages":[{"role":"user","content":"hi","extra":${deep}}]}`;
  const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: openaiBody });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { param: string; message: string } };
  assert.equal(body.error.param, 'messages[0].extra');
  assert.match(body.error.message, /nested more than/);
  const id = res.headers.get('x-request-id');
  const trace = await waitFor('the trace of the refused request', async () => {
    const t = await stack.api<{ status: number }>('GET', `/api/v1/traces/${id}`);
    return t.status === 200 ? t.body : undefined;
  });
  assert.equal(trace.status, 400);

  const anthropicBody = `{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":"u","x":${deep}}}`;
  const res2 = await fetch(`${stack.anthropicBaseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: anthropicBody });
  assert.equal(res2.status, 400);
  const body2 = (await res2.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body2.error.type, 'invalid_request_error');
  assert.match(body2.error.message, /^metadata\.x\S*: JSON nested more than/);
});
