// What real clients send, exactly as they send it, and what OpenAI's
// request schema allows that our fixtures never did.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderId } from '../contract';
import { providers } from '../providers';
import { GatewayError, type Target } from '../providers/contract';
import { MAX_JSON_DEPTH } from './find-too-deep';
import type { ChatRequest } from './types';
import { validateChat } from './validate';

function ok(body: unknown): ChatRequest {
  const v = validateChat(body);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.error));
  return v.value;
}

function refused(body: unknown, param: string | null, message?: RegExp): void {
  const v = validateChat(body);
  assert.equal(v.ok, false, 'expected a refusal');
  if (v.ok) return;
  assert.equal(v.error.param, param, v.error.message);
  if (message) assert.match(v.error.message, message);
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Returns the weather of a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

// The second model call of a Google ADK LlmAgent over LiteLLM 1.80 (issue 9):
// the assistant message that only calls tools has no `content` at all.
const ADK_SECOND_TURN = {
  model: 'chat',
  messages: [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ],
  tools: [weatherTool],
};

const target = (provider: ProviderId): Target => ({
  provider,
  model: provider === 'bedrock' ? 'anthropic.claude-3-5-sonnet-20240620-v1:0' : 'some-model',
  credentials: { apiKey: 'k', accessKeyId: 'a', secretAccessKey: 's', region: 'us-east-1', resource: 'r' },
  options: { baseUrl: 'https://p.example/v1' },
});

describe('the LiteLLM / ADK tool round trip (issue 9)', () => {
  it('is valid, and content absent becomes null', () => {
    const req = ok(structuredClone(ADK_SECOND_TURN));
    assert.equal(req.messages[1]!.content, null);
  });

  for (const id of Object.keys(providers) as ProviderId[]) {
    it(`${id} builds it`, () => {
      const up = providers[id]!.chat.buildRequest(ok(structuredClone(ADK_SECOND_TURN)), target(id));
      const body = JSON.stringify(JSON.parse(up.body as string));
      assert.match(body, /Paris/);
      assert.match(body, /sunny/);
    });
  }

  it('anthropic: tool_use in the assistant turn, tool_result in the next user turn', () => {
    const body = JSON.parse(providers.anthropic!.chat.buildRequest(ok(structuredClone(ADK_SECOND_TURN)), target('anthropic')).body as string);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
    ]);
  });

  it('gemini: the function response is named after the call it answers', () => {
    const body = JSON.parse(providers.gemini!.chat.buildRequest(ok(structuredClone(ADK_SECOND_TURN)), target('gemini')).body as string);
    assert.deepEqual(body.contents.slice(1), [
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: 'sunny' } } }] },
    ]);
  });
});

describe('content in every form OpenAI takes', () => {
  it('null, string and parts on every role; assistant text and refusal parts; tool text parts; developer; name', () => {
    const req = ok({
      model: 'm',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'be brief' }], name: 'ops' },
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }], name: 'alice' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'I ' },
            { type: 'refusal', refusal: 'cannot' },
          ],
          name: 'bot',
        },
        { role: 'assistant', content: null, refusal: 'No.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        {
          role: 'tool',
          tool_call_id: 'c',
          content: [
            { type: 'text', text: 'r1' },
            { type: 'text', text: 'r2' },
          ],
        },
      ],
    });
    assert.deepEqual(req.messages[3]!.content, [
      { type: 'text', text: 'I ' },
      { type: 'text', text: 'cannot' },
    ]);
    assert.equal(req.messages[4]!.content, 'No.', 'a refusal with no content is what the model said');
    const anthropic = JSON.parse(providers.anthropic!.chat.buildRequest(req, target('anthropic')).body as string);
    assert.equal(anthropic.system, 'be brief\n\nsys');
    assert.deepEqual(anthropic.messages.at(-1).content[0].content, [
      { type: 'text', text: 'r1' },
      { type: 'text', text: 'r2' },
    ]);
  });

  it('audio and file parts are valid; a provider that cannot take them says which part', () => {
    const req = ok({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] }],
    });
    assert.throws(
      () => providers.anthropic!.chat.buildRequest(req, target('anthropic')),
      (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'messages[0].content[0].type',
    );
    const gemini = JSON.parse(providers.gemini!.chat.buildRequest(req, target('gemini')).body as string);
    assert.deepEqual(gemini.contents[0].parts[0], { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } });
  });

  it('a user message needs content; null is not content', () => {
    refused({ model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content');
    refused({ model: 'm', messages: [{ role: 'user', content: null }] }, 'messages[0].content');
    refused({ model: 'm', messages: [{ role: 'user', content: [{ type: 'video', video: {} }] }] }, 'messages[0].content[0].type', /not a supported type/);
  });
});

describe('legacy function calling becomes tools', () => {
  it('functions, function_call, an assistant function_call and the function message', () => {
    const req = ok({
      model: 'm',
      functions: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
      function_call: { name: 'get_weather' },
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { role: 'function', name: 'get_weather', content: 'sunny' },
      ],
    });
    assert.deepEqual(req.tools, [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }]);
    assert.deepEqual(req.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal('functions' in req || 'function_call' in req, false);
    assert.deepEqual(req.messages[1]!.tool_calls, [{ id: 'call_fn_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    assert.deepEqual(req.messages[2], { role: 'tool', name: 'get_weather', tool_call_id: 'call_fn_1', content: 'sunny' });
  });

  it('function_call "none" and "auto" are tool choices', () => {
    assert.equal(ok({ model: 'm', messages: [{ role: 'user', content: 'x' }], functions: [{ name: 'f' }], function_call: 'none' }).tool_choice, 'none');
  });
});

describe('parameters', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  it('tool_choice in every form', () => {
    for (const choice of ['none', 'auto', 'required', { type: 'function', function: { name: 'f' } }, { type: 'custom', custom: { name: 'g' } }]) {
      ok({ ...base, tool_choice: choice });
    }
    ok({ ...base, tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] } } });
    refused({ ...base, tool_choice: 'sometimes' }, 'tool_choice');
  });

  it('nulls mean "not set"', () => {
    const req = ok({ ...base, temperature: null, stop: null, stream_options: null, tool_choice: null, n: null, reasoning_effort: null });
    for (const k of ['temperature', 'stop', 'stream_options', 'tool_choice', 'n', 'reasoning_effort']) assert.equal(k in req, false, k);
  });

  it('n up to 128 is valid; providers with one answer refuse n > 1 naming n', () => {
    const req = ok({ ...base, n: 3 });
    assert.throws(
      () => providers.anthropic!.chat.buildRequest(req, target('anthropic')),
      (e: unknown) => e instanceof GatewayError && e.param === 'n',
    );
    assert.equal(JSON.parse(providers.gemini!.chat.buildRequest(req, target('gemini')).body as string).generationConfig.candidateCount, 3);
    refused({ ...base, n: 129 }, 'n');
  });

  it('logprobs and audio output: OpenAI gets them, others refuse naming the field', () => {
    const req = ok({ ...base, logprobs: true, top_logprobs: 2, modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } });
    assert.equal(JSON.parse(providers.openai!.chat.buildRequest(req, target('openai')).body as string).top_logprobs, 2);
    assert.throws(
      () => providers.gemini!.chat.buildRequest(req, target('gemini')),
      (e: unknown) => e instanceof GatewayError && e.param === 'logprobs',
    );
  });

  it('max_completion_tokens, stream_options, metadata, store, prediction, parallel_tool_calls, service_tier pass to OpenAI', () => {
    const req = ok({
      ...base,
      max_completion_tokens: 50,
      stream: true,
      stream_options: { include_usage: true, include_obfuscation: false },
      metadata: { run: 'r1' },
      store: true,
      prediction: { type: 'content', content: 'x' },
      parallel_tool_calls: false,
      service_tier: 'flex',
      x_unknown: { a: 1 },
    });
    const body = JSON.parse(providers.openai!.chat.buildRequest(req, target('openai')).body as string);
    for (const k of ['max_completion_tokens', 'metadata', 'store', 'prediction', 'parallel_tool_calls', 'service_tier', 'x_unknown']) assert.ok(k in body, k);
  });
});

describe('deep nesting (issue 11)', () => {
  const nested = (levels: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };

  it('an extra field nested 100,000 levels deep is a 400 naming it, not a stack overflow', () => {
    const body = JSON.parse(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    body.messages[0].extra = nested(100_000);
    refused(body, 'messages[0].extra', new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
  });

  it('an array nested as deep is caught too; the bound itself is fine', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    refused({ model: 'm', messages: [{ role: 'user', content: 'hi' }], deep }, 'deep[0][0]');
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], meta: nested(MAX_JSON_DEPTH - 2) };
    ok(body);
  });
});
