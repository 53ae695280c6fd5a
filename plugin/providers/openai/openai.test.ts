import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatRequest } from '../../openai/types';
import { GatewayError, type Target } from '../contract';
import { fixture, fixtureText, reassemble, runStream, testContext } from '../shared/testing';
import { openAIProvider } from './index';

const dir = __dirname;

interface CaseFixture {
  target: Target;
  request: ChatRequest;
  expectedRequest: { url: string; method: string; headers: Record<string, string>; body: unknown };
  response: unknown;
  expected: ChatCompletion;
}

for (const name of ['chat', 'tools']) {
  describe(`openai fixture ${name}`, () => {
    const f = fixture<CaseFixture>(dir, `${name}.json`);
    it('builds the native request', () => {
      const up = openAIProvider.chat.buildRequest(f.request, f.target);
      assert.equal(up.url, f.expectedRequest.url);
      assert.deepEqual(up.headers, f.expectedRequest.headers);
      assert.deepEqual(JSON.parse(up.body as string), f.expectedRequest.body);
    });
    it('translates the native response', () => {
      assert.deepEqual(openAIProvider.chat.parseResponse(f.response, testContext()), f.expected);
    });
  });
}

describe('openai stream', () => {
  const req: ChatRequest = { model: 'm', messages: [] };
  it('passes chunks through with injected id/created, keeps usage out of the chunks', () => {
    const t = openAIProvider.chat.createStreamTransformer(testContext(), req);
    const chunks = runStream(t, 'sse', fixtureText(dir, 'text.chunks.txt'), 5);
    assert.equal(chunks.length, 4);
    assert.ok(chunks.every((c) => c.id === 'chatcmpl-test' && c.created === 1700000000 && c.model === 'gpt-4o-mini' && c.choices.length === 1));
    assert.ok(chunks.every((c) => c.usage === undefined));
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    assert.equal(chunks[0]!.system_fingerprint, 'fp_44709d6fcb');
    const r = reassemble(chunks);
    assert.equal(r.content, 'Hello wörld 👋', 'multi-byte characters split across reads survive');
    assert.equal(r.finish_reason, 'stop');
    assert.deepEqual(t.usage(), { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    assert.equal(t.completed(), true);
  });

  it('reassembled streamed tool arguments equal the non-streamed ones', () => {
    const t = openAIProvider.chat.createStreamTransformer(testContext(), req);
    const streamed = reassemble(runStream(t, 'sse', fixtureText(dir, 'tools.chunks.txt')));
    const whole = openAIProvider.chat.parseResponse(fixture<CaseFixture>(dir, 'tools.json').response, testContext()).choices[0];
    assert.deepEqual(streamed.tool_calls, whole!.message.tool_calls);
    assert.equal(streamed.finish_reason, 'tool_calls');
    assert.deepEqual(t.usage(), { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 });
  });

  it('throws on the in-stream error object and reports not completed', () => {
    const t = openAIProvider.chat.createStreamTransformer(testContext(), req);
    assert.throws(
      () => runStream(t, 'sse', fixtureText(dir, 'error.chunks.txt')),
      (e: unknown) => e instanceof GatewayError && e.status === 502 && e.upstreamStatus === 200 && /server had an error/.test(e.message),
    );
    assert.equal(t.completed(), false);
  });

  it('a cut-off stream is not completed', () => {
    const t = openAIProvider.chat.createStreamTransformer(testContext(), req);
    runStream(t, 'sse', fixtureText(dir, 'text.chunks.txt').split('data: [DONE]')[0]!);
    assert.equal(t.completed(), false);
  });
});

describe('openai errors', () => {
  // https://platform.openai.com/docs/guides/error-codes
  const body = (message: string, type: string, code: string | null, param: string | null = null) => JSON.stringify({ error: { message, type, param, code } });
  it('maps statuses and keeps the provider message', () => {
    const bad = openAIProvider.parseError(400, body("Invalid value for 'temperature'", 'invalid_request_error', 'invalid_value', 'temperature'), {});
    assert.deepEqual([bad.status, bad.type, bad.code, bad.param, bad.upstreamStatus], [400, 'invalid_request_error', 'invalid_value', 'temperature', 400]);
    assert.equal(bad.message, "Invalid value for 'temperature'");
    const auth = openAIProvider.parseError(
      401,
      body(
        'Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_request_error',
        'invalid_api_key',
      ),
      {},
    );
    assert.deepEqual([auth.status, auth.code, auth.upstreamStatus], [502, 'provider_auth_failed', 401]);
    const limited = openAIProvider.parseError(429, body('Rate limit reached for gpt-4o', 'requests', 'rate_limit_exceeded'), {
      'retry-after-ms': '1500.5',
      'retry-after': '2',
    });
    assert.deepEqual([limited.status, limited.type, limited.code, limited.retryAfterMs], [429, 'rate_limit_exceeded', 'rate_limit_exceeded', 1501]);
    const quota = openAIProvider.parseError(429, body('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'), {});
    assert.deepEqual([quota.status, quota.code], [503, 'provider_quota_exceeded']);
    assert.equal(openAIProvider.parseError(404, body('The model `gpt-9` does not exist', 'invalid_request_error', 'model_not_found'), {}).status, 502);
    assert.equal(openAIProvider.parseError(500, body('The server had an error', 'server_error', null), {}).status, 502);
    assert.equal(openAIProvider.parseError(503, body('The engine is currently overloaded', 'server_error', null), {}).status, 503);
  });
});

describe('openai embeddings', () => {
  const target: Target = { provider: 'openai', model: 'text-embedding-3-small', credentials: { apiKey: 'sk' }, options: {} };
  it('builds the request and translates the documented response', () => {
    // https://platform.openai.com/docs/api-reference/embeddings/create
    const up = openAIProvider.embeddings!.buildRequest({ model: 'emb', input: 'The food was delicious and the waiter...', encoding_format: 'float' }, target);
    assert.equal(up.url, 'https://api.openai.com/v1/embeddings');
    assert.deepEqual(JSON.parse(up.body as string), {
      model: 'text-embedding-3-small',
      input: 'The food was delicious and the waiter...',
      encoding_format: 'float',
    });
    const res = openAIProvider.embeddings!.parseResponse(
      {
        object: 'list',
        data: [{ object: 'embedding', embedding: [0.0023064255, -0.009327292, -0.0028842222], index: 0 }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 8, total_tokens: 8 },
      },
      testContext(),
    );
    assert.deepEqual(res, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.0023064255, -0.009327292, -0.0028842222] }],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
  });
});
