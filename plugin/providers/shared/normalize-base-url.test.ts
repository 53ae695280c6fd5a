// options.baseUrl: both shapes a user may paste (with or without the API
// version, trailing slash or not) reach the same provider URL, through each
// provider's real request builder; the default when none is set is the
// provider's documented API.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderId } from '../../contract';
import { indexSnapshot } from '../../config/store';
import { BASE_URL_RULES, baseUrlProblem, normalizeDestinationOptions } from './normalize-base-url';
import { getProvider } from '../index';

const CREDENTIALS = { apiKey: 'k-test', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', region: 'us-east-1', resource: 'res' };
const REQUEST = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

function upstreamUrl(provider: ProviderId, baseUrl: string | undefined): string {
  const options = normalizeDestinationOptions(provider, baseUrl === undefined ? {} : { baseUrl });
  return getProvider(provider).chat.buildRequest(REQUEST, { provider, model: 'm', credentials: CREDENTIALS, options }).url;
}

// Per provider: the two shapes its users find documented, and the URL both must reach.
const CASES: Array<{ provider: ProviderId; forms: string[]; url: string }> = [
  {
    provider: 'openai',
    forms: ['https://proxy.example/v1', 'https://proxy.example', 'https://proxy.example/v1/'],
    url: 'https://proxy.example/v1/chat/completions',
  },
  { provider: 'mistral', forms: ['https://proxy.example/v1', 'https://proxy.example/'], url: 'https://proxy.example/v1/chat/completions' },
  {
    provider: 'openai-compatible',
    forms: ['https://api.groq.com/openai/v1', 'https://api.groq.com/openai/v1/'],
    url: 'https://api.groq.com/openai/v1/chat/completions',
  },
  { provider: 'openai-compatible', forms: ['http://vllm.internal:8000', 'http://vllm.internal:8000/v1'], url: 'http://vllm.internal:8000/v1/chat/completions' },
  {
    provider: 'anthropic',
    forms: ['https://api.anthropic.com', 'https://api.anthropic.com/v1', 'https://api.anthropic.com/v1/'],
    url: 'https://api.anthropic.com/v1/messages',
  },
  {
    provider: 'gemini',
    forms: [
      'https://generativelanguage.googleapis.com',
      'https://generativelanguage.googleapis.com/v1beta',
      'https://generativelanguage.googleapis.com/v1beta/openai/',
    ],
    url: 'https://generativelanguage.googleapis.com/v1beta/models/m:generateContent',
  },
  {
    provider: 'cohere',
    forms: ['https://api.cohere.com', 'https://api.cohere.com/v2', 'https://api.cohere.com/compatibility/v1'],
    url: 'https://api.cohere.com/v2/chat',
  },
  {
    provider: 'ollama',
    forms: ['http://ollama.internal:11434', 'http://ollama.internal:11434/api', 'http://ollama.internal:11434/v1/'],
    url: 'http://ollama.internal:11434/api/chat',
  },
  {
    provider: 'azure-openai',
    forms: ['https://res.openai.azure.com', 'https://res.openai.azure.com/openai', 'https://res.openai.azure.com/openai/deployments/m/'],
    url: 'https://res.openai.azure.com/openai/deployments/m/chat/completions',
  },
];

describe('options.baseUrl: one rule, every provider', () => {
  for (const c of CASES) {
    it(`${c.provider}: ${c.forms.join(' | ')}`, () => {
      for (const form of c.forms) assert.equal(upstreamUrl(c.provider, form).split('?')[0], c.url, `from ${form}`);
    });
  }

  it("a proxy's own path prefix is kept, only the segment the gateway appends is taken off", () => {
    assert.equal(upstreamUrl('anthropic', 'https://llm-proxy.corp/anthropic/v1'), 'https://llm-proxy.corp/anthropic/v1/messages');
    assert.equal(upstreamUrl('ollama', 'https://gpu.corp/ollama'), 'https://gpu.corp/ollama/api/chat');
  });

  it("Gemini's version from the pasted URL is used unless apiVersion is set", () => {
    assert.equal(
      upstreamUrl('gemini', 'https://generativelanguage.googleapis.com/v1'),
      'https://generativelanguage.googleapis.com/v1/models/m:generateContent',
    );
    assert.deepEqual(normalizeDestinationOptions('gemini', { baseUrl: 'https://generativelanguage.googleapis.com/v1', apiVersion: 'v1beta' }), {
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiVersion: 'v1beta',
    });
  });

  it('without a baseUrl each provider with a public API gets its documented default', () => {
    assert.equal(upstreamUrl('openai', undefined), 'https://api.openai.com/v1/chat/completions');
    assert.equal(upstreamUrl('anthropic', undefined), 'https://api.anthropic.com/v1/messages');
    assert.equal(upstreamUrl('mistral', undefined), 'https://api.mistral.ai/v1/chat/completions');
    assert.equal(upstreamUrl('cohere', undefined), 'https://api.cohere.com/v2/chat');
    for (const [id, rule] of Object.entries(BASE_URL_RULES)) {
      if (rule.default) assert.equal(baseUrlProblem(rule.default), undefined, `${id}'s default is a valid base URL`);
      assert.equal(baseUrlProblem(rule.example), undefined, `${id}'s example is a valid base URL`);
    }
  });

  it('refuses what cannot be a base URL, naming why', () => {
    assert.match(baseUrlProblem('api.openai.com/v1')!, /not a URL/);
    assert.match(baseUrlProblem('ftp://x.example')!, /http or https/);
    assert.match(baseUrlProblem('https://user:pw@x.example/v1')!, /credentials/);
    assert.match(baseUrlProblem('https://x.openai.azure.com?api-version=2024-10-21')!, /query/);
  });

  it('a data plane normalizes endpoints saved before the rule', () => {
    const destination = {
      id: 'a',
      provider: 'anthropic' as const,
      model: 'm',
      credentials: {},
      options: { baseUrl: 'https://api.anthropic.com/v1' },
      weight: 100,
    };
    const indexed = indexSnapshot({ version: 1, endpoints: [{ name: 'e', destinations: [destination] }] } as never);
    assert.equal(indexed.endpoints.get('e')!.destinations[0]!.options.baseUrl, 'https://api.anthropic.com');
  });
});
