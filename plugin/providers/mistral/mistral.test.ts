import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../../../test/fake-providers/openai';
import type { FakeProvider } from '../../../test/fake-providers/scenario';
import type { ChatRequest } from '../../openai/types';
import type { ResponseContext, Target } from '../contract';
import { sendUpstream, translateStreamedResponse } from '../shared/http-testing';
import { fixtureToolArguments, streamedToolArguments } from '../shared/testing';
import { mistralProvider as provider } from './index';
import { toMistralToolCallId } from './map-tool-call-ids';
import { toolCallInput } from '../../openai/tool-call-input';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1, model: 'mistral-test', newId: () => `call_${++n}` };
}

test('tool-call ids: 9 alphanumeric chars, deterministic, Mistral ids kept', () => {
  const id = toMistralToolCallId('call_Xk2p9aQ7dLmN4vB8');
  assert.match(id, /^[a-zA-Z0-9]{9}$/);
  assert.equal(toMistralToolCallId('call_Xk2p9aQ7dLmN4vB8'), id);
  assert.notEqual(toMistralToolCallId('call_other'), id);
  assert.equal(toMistralToolCallId('D681PevKs'), 'D681PevKs');
  assert.match(toMistralToolCallId('toolu_01A09q90qw90lq917835lq9'), /^[a-zA-Z0-9]{9}$/);
});

test('the same conversation maps ids the same way on every turn', () => {
  const t: Target = { provider: 'mistral', model: 'mistral-small-latest', credentials: { apiKey: 'k' }, options: {} };
  const history: ChatRequest['messages'] = [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_abc', content: 'r' },
  ];
  const first = JSON.parse(String(provider.chat.buildRequest({ model: 'm', messages: history }, t).body));
  const later = JSON.parse(
    String(provider.chat.buildRequest({ model: 'm', messages: [...history, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }] }, t).body),
  );
  assert.equal(first.messages[1].tool_calls[0].id, first.messages[2].tool_call_id);
  assert.equal(later.messages[1].tool_calls[0].id, first.messages[1].tool_calls[0].id);
});

test('streamed tool-call arguments equal the non-streamed ones (fixture)', () => {
  const { streamed, whole } = fixtureToolArguments(provider.chat, __dirname, 'tools', ctx);
  assert.deepEqual(streamed, whole);
});

test('errors: Mistral envelopes through the shared table', () => {
  const limited = provider.parseError(429, '{"object":"error","message":"Requests rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}', {});
  assert.deepEqual([limited.status, limited.type], [429, 'rate_limit_exceeded']);
  const unauthorized = provider.parseError(401, '{"detail":"Unauthorized"}', {});
  assert.deepEqual([unauthorized.status, unauthorized.upstreamStatus], [502, 401]);
  const invalid = provider.parseError(
    422,
    '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","user"],"msg":"Extra inputs are not permitted"}]},"type":"invalid_request_error"}',
    {},
  );
  assert.equal(invalid.status, 400);
});

// Mistral is served by the shared OpenAI-wire fake on its /v1 paths.
let fake: FakeProvider;
let target: Target;
before(async () => {
  fake = await startFakeOpenAI({ apiKey: 'mi-key' });
  target = { provider: 'mistral', model: 'mistral-large-latest', credentials: { apiKey: 'mi-key' }, options: { baseUrl: `${fake.url}/v1` } };
});
after(() => fake.close());

const call = (req: ChatRequest) => sendUpstream(provider.chat.buildRequest(req, target));

test('fake: Mistral quirks reach the wire; streamed tool arguments equal the non-streamed ones', async () => {
  const toolCalls = [{ name: 'f', arguments: '{"a":[1,"b\\"c"]}' }];
  fake.enqueue({ kind: 'ok', toolCalls }, { kind: 'ok', toolCalls });
  const req: ChatRequest = {
    model: 'm',
    seed: 3,
    user: 'u',
    tool_choice: 'required',
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    messages: [{ role: 'user', content: 'hi' }],
  };
  const whole = provider.chat.parseResponse(await (await call(req)).json(), ctx());
  const sent = JSON.parse(fake.requests.at(-1)!.body);
  assert.deepEqual([sent.random_seed, sent.seed, sent.user, sent.tool_choice], [3, undefined, undefined, 'any']);

  const res = await call({ ...req, stream: true });
  assert.equal(JSON.parse(fake.requests.at(-1)!.body).stream_options, undefined);
  const { chunks, completed, error } = await translateStreamedResponse(res, provider.chat, ctx(), req);
  assert.equal(error, undefined);
  assert.deepEqual(
    streamedToolArguments(chunks),
    whole.choices[0]!.message.tool_calls!.map((c) => toolCallInput(c).text),
  );
  assert.equal(completed, true);
});

test('fake: embeddings through the compatible base', async () => {
  const up = provider.embeddings!.buildRequest({ model: 'e', input: ['a', 'b'] }, { ...target, model: 'mistral-embed' });
  assert.equal(up.url, `${fake.url}/v1/embeddings`);
  const out = provider.embeddings!.parseResponse(await (await sendUpstream(up)).json(), ctx());
  assert.equal(out.data.length, 2);
});
