import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatRequest } from '../../openai/types';
import { GatewayError, type Target } from '../contract';
import { fixture, fixtureText, reassemble, runStream, testContext } from '../shared/testing';
import { azureOpenAIProvider } from './index';

const dir = __dirname;

describe('azure openai', () => {
  const f = fixture<{
    target: Target;
    request: ChatRequest;
    expectedRequest: { url: string; headers: Record<string, string>; body: unknown };
    response: unknown;
    expected: ChatCompletion;
  }>(dir, 'chat.json');
  it('builds the deployment URL with api-version and the api-key header', () => {
    const up = azureOpenAIProvider.chat.buildRequest(f.request, f.target);
    assert.equal(up.url, f.expectedRequest.url);
    assert.deepEqual(up.headers, f.expectedRequest.headers);
    assert.deepEqual(JSON.parse(up.body as string), f.expectedRequest.body);
  });
  it('translates the documented response (content filter annotations dropped)', () => {
    assert.deepEqual(azureOpenAIProvider.chat.parseResponse(f.response, testContext()), f.expected);
  });
  it('uses baseUrl, apiVersion and the model as deployment when given', () => {
    const t: Target = {
      provider: 'azure-openai',
      model: 'my deploy',
      credentials: { apiKey: 'k' },
      options: { baseUrl: 'http://127.0.0.1:1/', apiVersion: '2025-01-01-preview' },
    };
    assert.equal(
      azureOpenAIProvider.chat.buildRequest({ model: 'x', messages: [] }, t).url,
      'http://127.0.0.1:1/openai/deployments/my%20deploy/chat/completions?api-version=2025-01-01-preview',
    );
    assert.equal(
      azureOpenAIProvider.embeddings!.buildRequest({ model: 'x', input: 'a' }, t).url,
      'http://127.0.0.1:1/openai/deployments/my%20deploy/embeddings?api-version=2025-01-01-preview',
    );
  });
  it('fails clearly without resource or baseUrl', () => {
    const t: Target = { provider: 'azure-openai', model: 'd', credentials: { apiKey: 'k' }, options: {} };
    assert.throws(
      () => azureOpenAIProvider.chat.buildRequest({ model: 'x', messages: [] }, t),
      (e: unknown) => e instanceof GatewayError && e.code === 'gateway_misconfigured',
    );
  });
  it('skips the prompt-filter chunk and maps a content_filter finish', () => {
    const t = azureOpenAIProvider.chat.createStreamTransformer(testContext(), { model: 'm', messages: [] });
    const chunks = runStream(t, 'sse', fixtureText(dir, 'filtered.chunks.txt'));
    assert.equal(chunks.length, 3);
    assert.ok(chunks.every((c) => c.choices.length === 1 && !('content_filter_results' in c.choices[0]!)));
    const r = reassemble(chunks);
    assert.deepEqual([r.content, r.finish_reason], ['Once upon', 'content_filter']);
    assert.deepEqual(t.usage(), { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
  });
  it('maps Azure error bodies', () => {
    // https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference (error response: code + message)
    const nf = azureOpenAIProvider.parseError(
      404,
      JSON.stringify({ error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } }),
      {},
    );
    assert.deepEqual([nf.status, nf.code, nf.upstreamStatus], [502, 'provider_not_found', 404]);
    assert.match(nf.message, /deployment for this resource does not exist/);
    const auth = azureOpenAIProvider.parseError(
      401,
      JSON.stringify({ error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } }),
      {},
    );
    assert.equal(auth.status, 502);
    const limited = azureOpenAIProvider.parseError(
      429,
      JSON.stringify({ error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit.' } }),
      { 'Retry-After': '13' },
    );
    assert.deepEqual([limited.status, limited.retryAfterMs], [429, 13000]);
  });
});
