import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../openai/types';
import type { Target } from '../contract';
import { reassemble, runStream, testContext } from '../shared/testing';
import { createOpenAICompatibleProvider, openAICompatibleProvider } from './index';
import { applyParamTable } from './apply-param-table';

const sse = (...events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
const chunk = (delta: unknown, finish: string | null = null) => ({
  id: 'x',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'mistral-small-latest',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('param tables', () => {
  it('renames, drops, maps values, clamps and defaults', () => {
    const out = applyParamTable(
      { max_completion_tokens: 5, seed: 1, tool_choice: 'required', temperature: 1.7, user: 'u' },
      {
        max_completion_tokens: { rename: 'max_tokens' },
        seed: { rename: 'random_seed' },
        tool_choice: { values: { required: 'any' } },
        temperature: { clamp: { max: 1 } },
        user: { drop: true },
        safe_prompt: { default: false },
      },
    );
    assert.deepEqual(out, { max_tokens: 5, random_seed: 1, tool_choice: 'any', temperature: 1, safe_prompt: false });
  });
  it('an explicit value under the new name wins over a rename', () => {
    assert.deepEqual(applyParamTable({ max_completion_tokens: 5, max_tokens: 9 }, { max_completion_tokens: { rename: 'max_tokens' } }), { max_tokens: 9 });
  });
});

describe('a new OpenAI-compatible provider in ~10 lines (Mistral-like)', () => {
  const mistral = createOpenAICompatibleProvider({
    id: 'mistral',
    name: 'Mistral',
    baseUrl: 'https://api.mistral.ai/v1',
    auth: { kind: 'bearer' },
    roles: { developer: 'system' },
    messageFields: 'openai',
    params: {
      max_completion_tokens: { rename: 'max_tokens' },
      seed: { rename: 'random_seed' },
      tool_choice: { values: { required: 'any' } },
      user: { drop: true },
    },
  });
  const target: Target = { provider: 'mistral', model: 'mistral-small-latest', credentials: { apiKey: 'mk' }, options: {} };

  it('builds the request from the table', () => {
    const req: ChatRequest = {
      model: 'ep',
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'user', content: 'hi' },
      ],
      max_completion_tokens: 10,
      seed: 3,
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f' } }],
      user: 'u',
      stream: true,
    };
    const up = mistral.chat.buildRequest(req, target);
    assert.equal(up.url, 'https://api.mistral.ai/v1/chat/completions');
    assert.equal(up.headers.authorization, 'Bearer mk');
    assert.deepEqual(JSON.parse(up.body as string), {
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 10,
      random_seed: 3,
      tool_choice: 'any',
      tools: [{ type: 'function', function: { name: 'f' } }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('numbers tool calls that arrive whole, without index, with the usage on the last chunk', () => {
    // Mistral streams each tool call complete in one delta, without `index`.
    const raw = sse(
      chunk({ role: 'assistant', content: '' }),
      chunk({ tool_calls: [{ id: 'a1', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] }),
      chunk({ tool_calls: [{ id: 'b2', function: { name: 'get_weather', arguments: '{"city": "Lyon"}' } }] }),
      { ...chunk({ content: '' }, 'tool_calls'), usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
      '[DONE]',
    );
    const t = mistral.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', raw);
    assert.ok(chunks.every((c) => c.usage === undefined));
    const r = reassemble(chunks);
    assert.deepEqual(r.tool_calls, [
      { id: 'a1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
      { id: 'b2', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Lyon"}' } },
    ]);
    assert.deepEqual(chunks[1]!.choices[0]!.delta.tool_calls, [
      { index: 0, id: 'a1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
    ]);
    assert.deepEqual(t.usage(), { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
  });
});

describe('openai-compatible normalization', () => {
  const target: Target = { provider: 'openai-compatible', model: 'llama3.1', credentials: {}, options: { baseUrl: 'http://localhost:11434/v1' } };

  it('needs a baseUrl, sends no auth header without a key, renames max_completion_tokens', () => {
    const up = openAICompatibleProvider.chat.buildRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 9 }, target);
    assert.equal(up.url, 'http://localhost:11434/v1/chat/completions');
    assert.equal(up.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(up.body as string), { model: 'llama3.1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 9 });
    assert.throws(() => openAICompatibleProvider.chat.buildRequest({ model: 'x', messages: [] }, { ...target, options: {} }));
  });

  it('drops fields the gateway does not model (unlike OpenAI itself), keeps reasoning_effort the client asked for', () => {
    const req = { model: 'x', messages: [], reasoning_effort: 'low', service_tier: 'flex', thinking: { type: 'disabled' } } as unknown as ChatRequest;
    const body = JSON.parse(openAICompatibleProvider.chat.buildRequest(req, target).body as string);
    assert.equal(body.service_tier, undefined);
    assert.equal(body.thinking, undefined, "the gateway's own fields never go upstream");
    assert.equal(body.reasoning_effort, 'low');
  });

  it('fixes `stop` after tool calls, ids missing, and object arguments (Ollama /v1 style)', () => {
    const res = openAICompatibleProvider.chat.parseResponse(
      {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'llama3.1',
        choices: [
          { index: 0, message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      },
      testContext(),
    );
    assert.deepEqual(res.choices[0]!.message.tool_calls, [{ id: 'call_gen_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
    assert.equal(res.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(res.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('gives ids to streamed calls that have none and keeps the role chunk first', () => {
    const raw = sse(
      chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'stop'),
      '[DONE]',
    );
    const t = openAICompatibleProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', raw);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const r = reassemble(chunks);
    assert.deepEqual(r.tool_calls, [{ id: 'call_gen_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
    assert.equal(r.finish_reason, 'tool_calls');
    assert.equal(t.completed(), true);
  });

  it('reads the error shapes of compatible servers', () => {
    const mistral = openAICompatibleProvider.parseError(
      400,
      JSON.stringify({ object: 'error', message: 'Invalid model: x', type: 'invalid_model', param: null, code: '1500' }),
      {},
    );
    assert.deepEqual([mistral.status, mistral.message, mistral.code], [400, 'Invalid model: x', '1500']);
    const vllm = openAICompatibleProvider.parseError(400, JSON.stringify({ detail: 'max_tokens too large' }), {});
    assert.equal(vllm.message, 'max_tokens too large');
    const html = openAICompatibleProvider.parseError(503, '<html>upstream down</html>', {});
    assert.deepEqual([html.status, html.code], [503, 'provider_overloaded']);
  });
});

describe('reasoning and cache details from OpenAI-style servers', () => {
  const ctx = () => ({ id: 'c', created: 1, model: 'm', newId: () => 'call_x' });
  it('reasoning_content (DeepSeek, vLLM) or reasoning (OpenRouter), usage details kept, DeepSeek cache hits named', () => {
    const whole = openAICompatibleProvider.chat.parseResponse(
      {
        choices: [{ index: 0, message: { role: 'assistant', content: '42', reasoning_content: 'Let me think.' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 100,
          completion_tokens: 50,
          total_tokens: 150,
          prompt_cache_hit_tokens: 64,
          completion_tokens_details: { reasoning_tokens: 30 },
        },
      },
      ctx(),
    );
    assert.equal(whole.choices[0]!.message.reasoning_content, 'Let me think.');
    assert.deepEqual(whole.usage, {
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    const t = openAICompatibleProvider.chat.createStreamTransformer(ctx(), { model: 'm', messages: [] });
    const chunks = t.push({ framing: 'sse', data: JSON.stringify({ choices: [{ index: 0, delta: { reasoning: 'hmm' } }] }) });
    assert.equal(chunks[0]!.choices[0]!.delta.reasoning_content, 'hmm');
    t.push({
      framing: 'sse',
      data: JSON.stringify({
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 8, audio_tokens: 0 } },
      }),
    });
    assert.deepEqual(t.usage(), { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 8 } });
  });
});
