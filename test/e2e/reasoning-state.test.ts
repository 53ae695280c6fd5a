// Reasoning state across the turns of an agent's conversation and across
// Kong nodes, through a client that drops every field it does not know (as
// LiteLLM does for Google ADK): turn 1 on one node, the tool-result turn on
// the other, sent with nothing but OpenAI's standard fields. The provider
// must get its signed state back: Gemini's thought signature on the
// function call, Claude's signed thinking block before the tool use.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { startGeminiFake } from '../fake-providers/gemini';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let gemini: FakeProvider;
let anthropic: FakeProvider;

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

before(async () => {
  [stack, gemini, anthropic] = await Promise.all([startStack({ nodes: 2 }), startGeminiFake({ apiKey: 'g-key' }), startFakeAnthropic({ apiKey: 'a-key' })]);
  for (const fake of [gemini, anthropic]) fake.followConversations();
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
  for (const node of stack.drivers) {
    await waitFor('both endpoints on every node', async () => {
      const res = await fetch(`${node.url}/gateway/openai/v1/models`);
      const ids = ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
      return ids.includes('gem') && ids.includes('claude') ? true : undefined;
    });
  }
});

after(async () => {
  await stack?.close();
  await Promise.all([gemini?.close(), anthropic?.close()]);
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
      if (d.id) calls[d.index].id = d.id;
      if (d.function?.name) calls[d.index].function.name += d.function.name;
      if (d.function?.arguments) calls[d.index].function.arguments += d.function.arguments;
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
