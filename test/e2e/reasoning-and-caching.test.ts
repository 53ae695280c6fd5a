// Reasoning state across the turns of an agent's conversation and across
// Kong nodes, through a client that drops every field it does not know (as
// LiteLLM does for Google ADK): turn 1 on one node, the tool-result turn on
// the other, sent with nothing but OpenAI's standard fields. The provider
// must get its signed state back: Gemini's thought signature on the
// function call, Claude's signed thinking block before the tool use.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { BEDROCK_TEST_CREDENTIALS, startBedrockFake } from '../fake-providers/bedrock';
import { startGeminiFake } from '../fake-providers/gemini';
import { countWords } from '../fake-providers/http';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, waitUntilListed, type Stack } from './stack';

let stack: Stack;
let gemini: FakeProvider;
let anthropic: FakeProvider;
let bedrock: FakeProvider;

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

before(async () => {
  [stack, gemini, anthropic, bedrock] = await Promise.all([
    startStack({ nodes: 2 }),
    startGeminiFake({ apiKey: 'g-key' }),
    startFakeAnthropic({ apiKey: 'a-key' }),
    startBedrockFake(),
  ]);
  for (const fake of [gemini, anthropic, bedrock]) fake.followConversations();
  await createSecret(stack, 'b', 'bedrock', { ...BEDROCK_TEST_CREDENTIALS, region: 'us-east-1' });
  await putEndpoint(stack, {
    name: 'bedrock-claude',
    kind: 'chat',
    destinations: [
      {
        id: 'b',
        provider: 'bedrock',
        model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
        secret: 'b',
        weight: 100,
        options: { baseUrl: bedrock.url, region: 'us-east-1' },
      },
    ],
  });
  await createSecret(stack, 'g', 'gemini', { apiKey: 'g-key' });
  await createSecret(stack, 'a', 'anthropic', { apiKey: 'a-key' });
  await putEndpoint(stack, {
    name: 'gem',
    kind: 'chat',
    destinations: [{ id: 'g', provider: 'gemini', model: 'gemini-3-pro-preview', secret: 'g', weight: 100, options: { baseUrl: gemini.url } }],
  });
  await putEndpoint(stack, {
    name: 'claude',
    kind: 'chat',
    destinations: [{ id: 'a', provider: 'anthropic', model: 'claude-sonnet-4-5', secret: 'a', weight: 100, options: { baseUrl: anthropic.url } }],
  });
  await waitUntilListed(stack.drivers, ['gem', 'claude', 'bedrock-claude']);
});

after(async () => {
  await stack?.close();
  await Promise.all([gemini?.close(), anthropic?.close(), bedrock?.close()]);
});

type Message = Record<string, unknown>;

async function chat(node: number, body: Record<string, unknown>): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${stack.drivers[node]!.url}/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : undefined, text };
}

/** What LiteLLM rebuilds from an answer: role, content and tool calls; nothing else survives. */
function asLiteLlmWouldSendIt(message: Message): Message {
  const calls = (message.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>).map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.function.name, arguments: c.function.arguments },
  }));
  return { role: 'assistant', tool_calls: calls };
}

/** A stream's tool calls as a client accumulates them. */
function toolCallsOf(sse: string): Array<{ id: string; function: { name: string; arguments: string } }> {
  const calls: Array<{ id: string; function: { name: string; arguments: string } }> = [];
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    for (const d of JSON.parse(line.slice(6)).choices?.[0]?.delta?.tool_calls ?? []) {
      calls[d.index] ??= { id: '', function: { name: '', arguments: '' } };
      if (d.id) calls[d.index]!.id = d.id;
      if (d.function?.name) calls[d.index]!.function.name += d.function.name;
      if (d.function?.arguments) calls[d.index]!.function.arguments += d.function.arguments;
    }
  }
  return calls;
}

for (const stream of [false, true]) {
  test(`gemini${stream ? ', streamed' : ''}: the thought signature comes back on the function call, through another node`, async () => {
    const question: Message = { role: 'user', content: 'What is the weather in Paris?' };
    const first = await chat(0, { model: 'gem', messages: [question], tools: [weather], stream });
    assert.equal(first.status, 200, first.text);
    const calls = stream ? toolCallsOf(first.text) : first.body.choices[0].message.tool_calls;
    assert.equal(calls[0].function.name, 'get_weather');

    const assistant = asLiteLlmWouldSendIt({ tool_calls: calls });
    const second = await chat(1, {
      model: 'gem',
      messages: [question, assistant, { role: 'tool', tool_call_id: calls[0].id, content: '{"result": "sunny"}' }],
      tools: [weather],
      stream,
    });
    assert.equal(second.status, 200, second.text);
    const sent = JSON.parse(gemini.requests.at(-1)!.body);
    const modelTurn = sent.contents.find((c: { role: string }) => c.role === 'model');
    assert.equal(modelTurn.parts[0].thoughtSignature, 'sig-get_weather');
  });
}

for (const stream of [false, true]) {
  test(`claude${stream ? ', streamed' : ''}: reasoning_effort thinks; the signed thinking goes back with the tool result, through another node`, async () => {
    const question: Message = { role: 'user', content: 'What is the weather in Lyon?' };
    const first = await chat(0, { model: 'claude', messages: [question], tools: [weather], reasoning_effort: 'low', stream, user: 'agent-1' });
    assert.equal(first.status, 200, first.text);
    const asked = JSON.parse(anthropic.requests.at(-1)!.body);
    assert.deepEqual(asked.thinking, { type: 'enabled', budget_tokens: 2048 });
    const reasoning = stream
      ? first.text
          .split('\n')
          .filter((l) => l.startsWith('data: {'))
          .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.reasoning_content ?? '')
          .join('')
      : first.body.choices[0].message.reasoning_content;
    assert.match(reasoning, /The user asks: What is the weather in Lyon\?/, 'the reasoning comes back as reasoning_content');
    const calls = stream ? toolCallsOf(first.text) : first.body.choices[0].message.tool_calls;

    const second = await chat(1, {
      model: 'claude',
      messages: [question, asLiteLlmWouldSendIt({ tool_calls: calls }), { role: 'tool', tool_call_id: calls[0].id, content: 'rainy' }],
      tools: [weather],
      reasoning_effort: 'low',
      stream,
      user: 'agent-1',
    });
    // The fake refuses a tool loop whose assistant turn does not start with its correctly signed thinking.
    assert.equal(second.status, 200, second.text);
    const sent = JSON.parse(anthropic.requests.at(-1)!.body);
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(sent.messages[1].content[0].type, 'thinking');
    assert.match(sent.messages[1].content[0].thinking, /Lyon/);
  });
}

test("claude: another user's conversation cannot borrow that state; without it, thinking is left off rather than failing the turn", async () => {
  const question: Message = { role: 'user', content: 'What is the weather in Nice?' };
  const first = await chat(0, { model: 'claude', messages: [question], tools: [weather], reasoning_effort: 'low', user: 'owner' });
  const calls = first.body.choices[0].message.tool_calls;
  const second = await chat(1, {
    model: 'claude',
    messages: [question, asLiteLlmWouldSendIt({ tool_calls: calls }), { role: 'tool', tool_call_id: calls[0].id, content: 'windy' }],
    tools: [weather],
    reasoning_effort: 'low',
    user: 'someone-else',
  });
  assert.equal(second.status, 200, second.text);
  const sent = JSON.parse(anthropic.requests.at(-1)!.body);
  assert.equal(sent.thinking, undefined);
  assert.ok(!JSON.stringify(sent).includes('"thinking"'), "no thinking block of another user's turn");
});

test('claude: LiteLLM-shaped cache_control reaches Anthropic; cache writes then reads are reported in usage, in traces, and priced lower', async () => {
  const long = 'You are a meticulous weather assistant. '.repeat(200);
  const body = {
    model: 'claude',
    messages: [
      { role: 'system', content: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'Say hi.' },
    ],
  };
  const write = await chat(0, body);
  const read = await chat(1, body);
  assert.equal(write.status, 200, write.text);
  const sent = JSON.parse(anthropic.requests.at(-1)!.body);
  assert.deepEqual(sent.system, [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }]);
  const written = write.body.usage.prompt_tokens_details.cache_write_tokens;
  assert.ok(written > 1000, JSON.stringify(write.body.usage));
  assert.equal(read.body.usage.prompt_tokens_details.cached_tokens, written);
  assert.equal(read.body.usage.prompt_tokens, write.body.usage.prompt_tokens, 'cache reads and writes are part of prompt_tokens');

  const traceOf = async (res: { body: any }) =>
    waitFor('the trace', async () => {
      const page = await stack.api<{ items: Array<Record<string, any>> }>('GET', `/api/v1/traces?endpoint=claude&limit=50`);
      return page.body.items.find((t) => `chatcmpl-${String(t.id).replace(/-/g, '')}` === res.body.id);
    });
  const [tw, tr] = [await traceOf(write), await traceOf(read)];
  assert.equal(tw.usage.cacheWriteTokens, written);
  assert.equal(tr.usage.cachedTokens, written);
  // claude-sonnet-4-5: cache writes at 1.25x input, reads at 0.1x.
  assert.ok(tr.costUsd < tw.costUsd / 5, `a cache read costs a fraction of a write (${tr.costUsd} vs ${tw.costUsd})`);

  // The Anthropic ingress reports them in Anthropic's shape.
  const res = await fetch(`${stack.drivers[0]!.url}/gateway/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude',
      max_tokens: 50,
      system: [{ type: 'text', text: long, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Say hi.' }],
    }),
  });
  const message = (await res.json()) as { usage: Record<string, number> };
  assert.equal(message.usage.cache_read_input_tokens, written);
  assert.equal(message.usage.cache_creation_input_tokens, 0);
});

test('gemini: reasoning_effort becomes a thinking level; thought summaries come back as reasoning_content, their tokens counted in usage and the trace', async () => {
  for (const stream of [false, true]) {
    const res = await chat(0, {
      model: 'gem',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      reasoning_effort: 'high',
      stream,
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200, res.text);
    const sent = JSON.parse(gemini.requests.at(-1)!.body);
    assert.deepEqual(sent.generationConfig.thinkingConfig, { thinkingLevel: 'high', includeThoughts: true });
    const deltas = stream
      ? res.text
          .split('\n')
          .filter((l) => l.startsWith('data: {'))
          .map((l) => JSON.parse(l.slice(6)))
      : [];
    const reasoning = stream ? deltas.map((d) => d.choices[0]?.delta?.reasoning_content ?? '').join('') : res.body.choices[0].message.reasoning_content;
    assert.equal(reasoning, 'Thinking about: Why is the sky blue?');
    const content = stream ? deltas.map((d) => d.choices[0]?.delta?.content ?? '').join('') : res.body.choices[0].message.content;
    assert.ok(!content.includes('Thinking about'), 'thoughts stay out of the answer');
    const usage = stream ? deltas.at(-1).usage : res.body.usage;
    assert.equal(usage.completion_tokens_details.reasoning_tokens, countWords(reasoning), "Gemini's thoughtsTokenCount");
  }
  const trace = await waitFor('the trace with reasoning tokens', async () => {
    const page = await stack.api<{ items: Array<Record<string, any>> }>('GET', '/api/v1/traces?endpoint=gem&limit=20');
    return page.body.items.find((t) => t.usage?.reasoningTokens === countWords('Thinking about: Why is the sky blue?'));
  });
  assert.ok(trace.usage.completionTokens > trace.usage.reasoningTokens, 'reasoning tokens are part of the completion tokens (and priced as output)');
});

for (const stream of [false, true]) {
  test(`claude on bedrock${stream ? ', streamed' : ''}: thinking through Converse, its signed reasoning back across nodes; cache points and their usage`, async () => {
    const question: Message = { role: 'user', content: 'What is the weather in Porto?' };
    const system = { role: 'system', content: [{ type: 'text', text: 'You are terse. '.repeat(100), cache_control: { type: 'ephemeral' } }] };
    const first = await chat(0, { model: 'bedrock-claude', messages: [system, question], tools: [weather], reasoning_effort: 'minimal', stream });
    assert.equal(first.status, 200, first.text);
    const asked = JSON.parse(bedrock.requests.at(-1)!.body);
    assert.deepEqual(asked.additionalModelRequestFields, { thinking: { type: 'enabled', budget_tokens: 1024 } });
    assert.deepEqual(asked.system.at(-1), { cachePoint: { type: 'default' } });
    const calls = stream ? toolCallsOf(first.text) : first.body.choices[0].message.tool_calls;

    const second = await chat(1, {
      model: 'bedrock-claude',
      messages: [system, question, asLiteLlmWouldSendIt({ tool_calls: calls }), { role: 'tool', tool_call_id: calls[0].id, content: 'foggy' }],
      tools: [weather],
      reasoning_effort: 'minimal',
      stream,
      stream_options: { include_usage: true },
    });
    assert.equal(second.status, 200, second.text);
    const sent = JSON.parse(bedrock.requests.at(-1)!.body);
    assert.match(sent.messages[1].content[0].reasoningContent.reasoningText.text, /Porto/);
    const usage = stream
      ? JSON.parse(
          second.text
            .split('\n')
            .filter((l) => l.startsWith('data: {'))
            .at(-1)!
            .slice(6),
        ).usage
      : second.body.usage;
    assert.ok(usage.prompt_tokens_details.cached_tokens > 100, `the system prompt was read from the cache: ${JSON.stringify(usage)}`);
  });
}
