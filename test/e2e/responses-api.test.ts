// The OpenAI Responses API through the gateway with the official `openai`
// SDK: whole and streamed answers, a function call answered through
// previous_response_id (the provider must receive the whole conversation in
// its own format), stored responses, and the documented refusals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let oai: FakeProvider;
let ant: FakeProvider;
let client: OpenAI;

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

before(async () => {
  [stack, oai, ant] = await Promise.all([startStack({ nodes: 2 }), startFakeOpenAI({ apiKey: 'oai-key' }), startFakeAnthropic({ apiKey: 'ant-key' })]);
  await createSecret(stack, 'oai', 'openai', { apiKey: 'oai-key' });
  await createSecret(stack, 'ant', 'anthropic', { apiKey: 'ant-key' });
  const one = (name: string, provider: string, secret: string, baseUrl: string, model: string) =>
    putEndpoint(stack, { name, kind: 'chat', destinations: [{ id: 'd', provider, model, secret, weight: 100, options: { baseUrl } }] });
  await one('agent-openai', 'openai', 'oai', `${oai.url}/v1`, 'gpt-4o-mini');
  await one('agent-claude', 'anthropic', 'ant', ant.url, 'claude-sonnet-4-5');
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0 });
  await waitFor('the endpoints', async () => ((await client.models.list()).data.length >= 2 ? true : undefined));
});

after(async () => {
  await stack?.close();
  await Promise.all([oai?.close(), ant?.close()]);
});

for (const [model, fake] of [
  ['agent-openai', () => oai],
  ['agent-claude', () => ant],
] as const) {
  describe(`Responses API -> ${model}`, () => {
    test('a whole answer: output_text, a message item, usage, and a trace marked responses', async () => {
      const r = await client.responses.create({ model, input: 'hello there', instructions: 'Be brief.' });
      assert.match(r.id, /^resp_[0-9a-f]{32}$/);
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, 'echo: hello there');
      assert.equal(r.output[0]?.type, 'message');
      assert.ok((r.usage?.input_tokens ?? 0) > 0 && (r.usage?.output_tokens ?? 0) > 0);
      assert.equal(r.instructions, 'Be brief.');
      const sent = JSON.parse(fake().requests.at(-1)!.body) as Record<string, unknown>;
      assert.match(JSON.stringify(sent), /Be brief\./, 'instructions reach the provider as its system prompt');
      const trace = await waitFor('the trace', async () => {
        const page = await stack.api<{ items: Array<{ ingress: string; id: string }> }>('GET', `/api/v1/traces?endpoint=${model}&limit=10`);
        return page.body.items.find((t) => `resp_${t.id.replace(/-/g, '')}` === r.id);
      });
      assert.equal(trace.ingress, 'responses');
    });

    test('a streamed answer: the documented event order, sequence numbers, text equal to the deltas', async () => {
      const stream = await client.responses.create({ model, input: 'stream me a few words', stream: true });
      const events: Array<{ type: string; sequence_number: number; delta?: string; response?: { output_text?: string; status: string } }> = [];
      for await (const e of stream) events.push(e as (typeof events)[number]);
      const types = events.map((e) => e.type);
      assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
      assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
      assert.deepEqual(
        events.map((e) => e.sequence_number),
        events.map((_, i) => i),
      );
      const text = events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('');
      assert.equal(text, 'echo: stream me a few words');
      assert.equal(events.at(-1)?.response?.output_text, text);
    });

    for (const streamed of [false, true]) {
      test(`a function call answered through previous_response_id${streamed ? ', streamed' : ''}`, async () => {
        fake().enqueue({ kind: 'ok', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
        const first = await collect(client, { model, input: 'What is the weather in Paris?', tools: [weather] }, streamed);
        const call = first.output.find((o) => o.type === 'function_call');
        assert.ok(call && call.type === 'function_call', `a function_call item: ${JSON.stringify(first.output)}`);
        assert.equal(call.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });

        fake().enqueue({ kind: 'ok', text: 'It is sunny in Paris.' });
        const second = await collect(
          client,
          { model, previous_response_id: first.id, tools: [weather], input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 24C' }] },
          streamed,
        );
        assert.equal(second.output_text, 'It is sunny in Paris.');
        assert.equal(second.previous_response_id, first.id);
        // The provider got the whole conversation, in its own format: the question, its call, the result.
        const sent = fake().requests.at(-1)!.body;
        assert.match(sent, /What is the weather in Paris\?/);
        assert.match(sent, /get_weather/);
        assert.match(sent, /sunny, 24C/);
        assert.ok(sent.includes(call.call_id), 'the tool result names the call it answers');
      });
    }
  });
}

describe('stored responses across Kong nodes, for operators', () => {
  test('a conversation started on one Kong node continues on another through previous_response_id', async () => {
    const second = new OpenAI({ baseURL: `${stack.drivers[1]!.url}/gateway/openai/v1`, apiKey: 'unused', maxRetries: 0 });
    await waitFor('the second node', async () => ((await second.models.list()).data.length >= 2 ? true : undefined));
    oai.enqueue({ kind: 'ok', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const first = await client.responses.create({ model: 'agent-openai', input: 'Weather in Oslo?', tools: [weather] });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    oai.enqueue({ kind: 'ok', text: 'Snow in Oslo.' });
    const next = await second.responses.create({
      model: 'agent-openai',
      previous_response_id: first.id,
      tools: [weather],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'snow' }],
    });
    assert.equal(next.output_text, 'Snow in Oslo.');
    assert.match(oai.requests.at(-1)!.body, /Weather in Oslo\?/);
    // Either node serves either response.
    assert.equal((await second.responses.retrieve(first.id)).id, first.id);
    assert.equal((await client.responses.retrieve(next.id)).id, next.id);
  });

  test('operators list and read stored responses, and an admin deletion is honoured by every node', async () => {
    const r = await client.responses.create({ model: 'agent-claude', input: 'for the record' });
    const page = await stack.api<{ items: Array<{ id: string; endpoint: string; response: { output_text: string } }> }>(
      'GET',
      '/api/v1/responses?endpoint=agent-claude&limit=100',
    );
    const listed = page.body.items.find((i) => i.id === r.id);
    assert.ok(listed, 'listed');
    assert.equal(listed.endpoint, 'agent-claude');
    assert.equal(listed.response.output_text, r.output_text);
    assert.equal((await stack.api('GET', `/api/v1/responses/${r.id}`)).status, 200);
    assert.equal((await stack.api('DELETE', `/api/v1/responses/${r.id}`)).status, 204);
    assert.equal((await stack.api('GET', `/api/v1/responses/${r.id}`)).status, 404);
    // The node that stored it re-reads its own copy after a few seconds: the deletion holds there too.
    await waitFor(
      'the deletion on the storing node',
      async () =>
        (await client.responses.retrieve(r.id).then(
          () => 200,
          (e: { status?: number }) => e.status,
        )) === 404
          ? true
          : undefined,
      15_000,
      500,
    );
  });
});

describe('stored responses and refusals', () => {
  test('GET returns a stored response, DELETE forgets it, and a continuation of it is then refused', async () => {
    const r = await client.responses.create({ model: 'agent-openai', input: 'remember me' });
    const got = await client.responses.retrieve(r.id);
    assert.equal(got.output_text, r.output_text);
    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
    await assert.rejects(
      client.responses.create({ model: 'agent-openai', previous_response_id: r.id, input: 'and then?' }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && (e.error as { param?: string }).param === 'previous_response_id',
    );
  });

  test('store: false keeps nothing', async () => {
    const r = await client.responses.create({ model: 'agent-openai', input: 'forget me', store: false });
    assert.equal((r as unknown as { store: boolean }).store, false);
    await assert.rejects(client.responses.retrieve(r.id), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
  });

  test('a previous response of another endpoint is refused by name', async () => {
    const r = await client.responses.create({ model: 'agent-openai', input: 'mine' });
    await assert.rejects(
      client.responses.create({ model: 'agent-claude', previous_response_id: r.id, input: 'yours?' }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && (e.error as { code?: string }).code === 'previous_response_model_mismatch',
    );
  });

  test('tools that run inside OpenAI are refused with the tool type named', async () => {
    await assert.rejects(
      client.responses.create({ model: 'agent-openai', input: 'search', tools: [{ type: 'web_search' }] }),
      (e: InstanceType<typeof OpenAI.APIError>) =>
        e.status === 400 && (e.error as { param?: string }).param === 'tools[0].type' && /web_search/.test(e.message),
    );
  });
});

type Created = Awaited<ReturnType<OpenAI['responses']['create']>> & { output_text: string };

/** responses.create, whole or streamed; the streamed one is the response of its completed event. */
async function collect(c: OpenAI, body: Record<string, unknown>, streamed: boolean): Promise<Created & OpenAI.Responses.Response> {
  if (!streamed) return await c.responses.create(body as never);
  const stream = await c.responses.create({ ...body, stream: true } as never);
  let completed: OpenAI.Responses.Response | undefined;
  for await (const e of stream as unknown as AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) if (e.type === 'response.completed') completed = e.response;
  assert.ok(completed, 'a response.completed event');
  return completed;
}
