import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatRequest } from '../../openai/types';
import { GatewayError, type Target } from '../contract';
import { fixture, fixtureText, reassemble, runStream, testContext } from '../shared/testing';
import { anthropicProvider } from './index';
import { JSON_OBJECT_INSTRUCTION } from '../shared/json-object-instruction';
import { defaultMaxTokens } from './build-request';
import { AssistantMessageAssembler } from '../../openai/assemble-assistant-message';
import type { AnthropicResponse } from './types';

const dir = __dirname;

interface CaseFixture {
  target: Target;
  request: ChatRequest;
  expectedRequest: { url: string; method: string; headers: Record<string, string>; body: unknown };
  response: unknown;
  expected: ChatCompletion;
}

const target: Target = { provider: 'anthropic', model: 'claude-sonnet-4-5', credentials: { apiKey: 'k' }, options: {} };
const build = (req: Partial<ChatRequest>) =>
  JSON.parse(anthropicProvider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...req }, target).body as string);

for (const name of ['text', 'tool-use', 'thinking-tool-use', 'cache-markers']) {
  describe(`anthropic fixture ${name}`, () => {
    const f = fixture<CaseFixture>(dir, `${name}.json`);
    it('builds the native request', () => {
      const up = anthropicProvider.chat.buildRequest(f.request, f.target);
      assert.equal(up.url, f.expectedRequest.url);
      assert.equal(up.method, f.expectedRequest.method);
      assert.deepEqual(up.headers, f.expectedRequest.headers);
      assert.deepEqual(JSON.parse(up.body as string), f.expectedRequest.body);
    });
    it('translates the native response', () => {
      assert.deepEqual(anthropicProvider.chat.parseResponse(f.response, testContext()), f.expected);
    });
  });
}

describe('anthropic request details', () => {
  it('maps tool_choice none/auto/function', () => {
    const tools = [{ type: 'function' as const, function: { name: 'f' } }];
    assert.deepEqual(build({ tools, tool_choice: 'none' }).tool_choice, { type: 'none' });
    assert.deepEqual(build({ tools, tool_choice: 'auto' }).tool_choice, { type: 'auto' });
    assert.deepEqual(build({ tools, tool_choice: { type: 'function', function: { name: 'f' } } }).tool_choice, { type: 'tool', name: 'f' });
    assert.deepEqual(build({ tools, parallel_tool_calls: false }).tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    assert.equal(build({ tool_choice: 'auto' }).tool_choice, undefined, 'no tool_choice without tools');
  });

  it('json_schema uses structured outputs; json_object adds a system instruction', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    assert.deepEqual(build({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).output_config, {
      format: { type: 'json_schema', schema },
    });
    assert.equal(build({ response_format: { type: 'json_object' } }).system, JSON_OBJECT_INSTRUCTION);
  });

  it('defaults max_tokens per model, and max_tokens from the client wins', () => {
    assert.equal(defaultMaxTokens('claude-3-haiku-20240307'), 4096);
    assert.equal(defaultMaxTokens('claude-sonnet-4-5-20250929'), 8192);
    assert.equal(defaultMaxTokens('some-future-model'), 4096);
    assert.equal(build({ max_tokens: 50 }).max_tokens, 50);
  });

  it('rejects invalid tool-call arguments with a 400 naming the field', () => {
    assert.throws(
      () =>
        build({
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":' } }] },
          ],
        }),
      (e: unknown) =>
        e instanceof GatewayError && e.status === 400 && e.param === 'messages[1].tool_calls[0].function.arguments' && /not valid JSON/.test(e.message),
    );
  });

  it('rejects unsupported image URLs and n > 1', () => {
    assert.throws(
      () => build({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }),
      (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'messages[0].content[0].image_url.url',
    );
    assert.throws(
      () => build({ n: 2 }),
      (e: unknown) => e instanceof GatewayError && e.param === 'n',
    );
  });
});

describe('anthropic response details', () => {
  const base = { id: 'msg', type: 'message', role: 'assistant', model: 'claude', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 2 } };
  const finish = (stop_reason: string) =>
    anthropicProvider.chat.parseResponse({ ...base, content: [{ type: 'text', text: 'x' }], stop_reason }, testContext()).choices[0]!.finish_reason;
  it('maps every documented stop reason', () => {
    assert.equal(finish('end_turn'), 'stop');
    assert.equal(finish('stop_sequence'), 'stop');
    assert.equal(finish('max_tokens'), 'length');
    assert.equal(finish('tool_use'), 'tool_calls');
    assert.equal(finish('refusal'), 'content_filter');
    assert.equal(finish('pause_turn'), 'stop');
  });
  it('rejects a body without content as a malformed upstream response', () => {
    assert.throws(
      () => anthropicProvider.chat.parseResponse({ type: 'message' }, testContext()),
      (e: unknown) => e instanceof GatewayError && e.status === 502,
    );
  });
});

describe('anthropic stream', () => {
  it('translates the documented text stream', () => {
    const t = anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', fixtureText(dir, 'text.chunks.txt'));
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    const r = reassemble(chunks);
    assert.equal(r.content, 'Hello!');
    assert.equal(r.finish_reason, 'stop');
    assert.deepEqual(t.usage(), { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    assert.equal(t.completed(), true);
    assert.ok(
      chunks.every((c) => c.choices.length === 1),
      'no usage-only chunk from the transformer',
    );
  });

  it('translates the documented tool-use stream with OpenAI tool indexes (not block indexes)', () => {
    const f = fixture<{ expectedChunks: unknown; expectedUsage: unknown; nonStreamed: AnthropicResponse }>(dir, 'tool-use.stream.json');
    const t = anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', fixtureText(dir, 'tool-use.chunks.txt'));
    assert.deepEqual(chunks, f.expectedChunks);
    assert.deepEqual(t.usage(), f.expectedUsage);
    assert.equal(t.completed(), true);

    const streamed = reassemble(chunks);
    const whole = anthropicProvider.chat.parseResponse(f.nonStreamed, testContext()).choices[0];
    assert.equal(streamed.content, whole!.message.content);
    assert.equal(streamed.finish_reason, whole!.finish_reason);
    assert.deepEqual(streamed.tool_calls, whole!.message.tool_calls, 'reassembled arguments equal the non-streamed ones exactly');
  });

  it('streams thinking as reasoning_content and signed thinking_blocks pieces; cache reads in usage', () => {
    // https://platform.claude.com/docs/en/build-with-claude/extended-thinking (streaming thinking: thinking_delta, then signature_delta)
    const t = anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', fixtureText(dir, 'thinking.chunks.txt'));
    const reasoning = chunks.map((c) => c.choices[0]!.delta.reasoning_content ?? '').join('');
    assert.equal(reasoning, 'Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3');
    const assembler = new AssistantMessageAssembler();
    for (const c of chunks) assembler.push(c);
    assert.deepEqual(assembler.message().thinking_blocks, [
      { type: 'thinking', thinking: reasoning, signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
    const r = reassemble(chunks);
    assert.equal(r.content, "I'll check with the calculator.");
    assert.deepEqual(r.tool_calls[0]!.function, { name: 'calculator', arguments: '{"expression":"27 * 453"}' });
    assert.equal(r.tool_calls.length, 1, 'thinking blocks do not shift tool indexes');
    assert.deepEqual(t.usage(), { prompt_tokens: 2060, completion_tokens: 202, total_tokens: 2262, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it('is independent of how the bytes are split', () => {
    const raw = fixtureText(dir, 'tool-use.chunks.txt');
    const ref = runStream(anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] }), 'sse', raw, 1 << 20);
    for (const size of [1, 3, 64]) {
      const got = runStream(anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] }), 'sse', raw, size);
      assert.deepEqual(got, ref);
    }
  });

  it('throws a GatewayError for the in-stream error event and is not completed', () => {
    const t = anthropicProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    assert.throws(
      () => runStream(t, 'sse', fixtureText(dir, 'error.chunks.txt')),
      (e: unknown) =>
        e instanceof GatewayError && e.status === 503 && e.code === 'provider_overloaded' && e.upstreamStatus === 200 && /Overloaded/.test(e.message),
    );
    assert.equal(t.completed(), false);
  });
});

describe('anthropic errors', () => {
  const err = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    anthropicProvider.parseError(status, JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' }), headers);
  it('maps the documented error statuses', () => {
    // https://platform.claude.com/docs/en/api/errors
    const bad = err(400, 'invalid_request_error', 'messages: roles must alternate');
    assert.deepEqual([bad.status, bad.type, bad.message, bad.upstreamStatus], [400, 'invalid_request_error', 'messages: roles must alternate', 400]);
    const auth = err(401, 'authentication_error', 'invalid x-api-key');
    assert.equal(auth.status, 502);
    assert.match(auth.message, /gateway's provider credentials/);
    assert.equal(err(403, 'permission_error', 'no').status, 502);
    assert.equal(err(404, 'not_found_error', 'model: claude-x').code, 'provider_not_found');
    const limited = err(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '7' });
    assert.deepEqual([limited.status, limited.type, limited.retryAfterMs], [429, 'rate_limit_exceeded', 7000]);
    assert.equal(err(500, 'api_error', 'Internal server error').status, 502);
    assert.equal(err(504, 'timeout_error', 'Request timeout').status, 504);
    const overloaded = err(529, 'overloaded_error', 'The API is temporarily overloaded.');
    assert.deepEqual([overloaded.status, overloaded.upstreamStatus, overloaded.code], [503, 529, 'provider_overloaded']);
  });
  it('copes with a non-JSON error body', () => {
    const e = anthropicProvider.parseError(502, '<html>Bad Gateway</html>', {});
    assert.equal(e.status, 502);
    assert.match(e.message, /Bad Gateway/);
  });
});
