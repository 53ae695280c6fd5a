// Property: every request OpenAI's Chat Completions API accepts (generated
// from its published schema, test/arbitraries/openai-chat-request.ts) passes
// the gateway's validation, and every provider's translation either builds
// a request of the provider's documented shape or, for a feature that
// provider cannot carry, refuses it with a 400 naming the field. Never a
// TypeError, never a 500.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { openAiChatRequest } from '../../test/arbitraries/openai-chat-request';
import { requestShapeProblems } from '../../test/arbitraries/provider-request-shapes';
import type { ProviderId } from '../contract';
import { validateChat } from '../openai/validate';
import type { ChatRequest } from '../openai/types';
import { GatewayError, type Target } from './contract';
import { providers } from './index';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** A model of each provider that can think and cache, so those paths run too. */
const MODELS: Record<ProviderId, string> = {
  openai: 'gpt-5',
  'azure-openai': 'gpt-4o',
  'openai-compatible': 'deepseek-reasoner',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  bedrock: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
  cohere: 'command-a-reasoning-08-2025',
  ollama: 'gpt-oss:20b',
  mistral: 'mistral-large-latest',
};

function target(provider: ProviderId): Target {
  return {
    provider,
    model: MODELS[provider],
    credentials: { apiKey: 'k', accessKeyId: 'AKID', secretAccessKey: 'secret', region: 'us-east-1', resource: 'res' },
    options: { baseUrl: 'https://provider.example/v1' },
  };
}

function validated(body: Record<string, unknown>): ChatRequest {
  const v = validateChat(structuredClone(body));
  assert.ok(v.ok, `validation refused a valid OpenAI request: ${JSON.stringify(!v.ok && v.error)}`);
  return v.value;
}

describe('validation accepts every request OpenAI accepts', () => {
  for (const full of [false, true]) {
    it(full ? 'including features only some providers carry' : 'portable requests', () => {
      fc.assert(
        fc.property(openAiChatRequest({ full }), (body) => {
          validated(body);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

for (const [id, provider] of Object.entries(providers) as Array<[ProviderId, NonNullable<(typeof providers)[ProviderId]>]>) {
  describe(`${id} translates every valid OpenAI request`, () => {
    it('portable requests: always a request of the documented shape', () => {
      fc.assert(
        fc.property(openAiChatRequest(), (body) => {
          const up = provider.chat.buildRequest(validated(body), target(id));
          const problems = requestShapeProblems(id, JSON.parse(up.body as string));
          assert.deepEqual(problems, [], JSON.stringify(JSON.parse(up.body as string)));
        }),
        { numRuns: RUNS },
      );
    });

    it('any request: the documented shape, or a 400 naming the field it cannot carry', () => {
      fc.assert(
        fc.property(openAiChatRequest({ full: true }), (body) => {
          let up;
          try {
            up = provider.chat.buildRequest(validated(body), target(id));
          } catch (err) {
            assert.ok(err instanceof GatewayError, `not a GatewayError: ${(err as Error).stack}`);
            assert.equal(err.status, 400, err.message);
            assert.ok(err.param, `the 400 names no field: ${err.message}`);
            return;
          }
          assert.deepEqual(requestShapeProblems(id, JSON.parse(up.body as string)), []);
        }),
        { numRuns: RUNS },
      );
    });
  });
}

// Defence in depth: the normalizer gives every message a `content`, but
// messages also come back from stored conversations written by older
// versions. A translation must not depend on it: an absent `content` (what
// LiteLLM sends on an ADK agent's tool-calling turn) crashed four of them once.
describe('every translation takes messages that never went through the normalizer', () => {
  const raw = {
    model: 'chat',
    messages: [
      { role: 'system' },
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1' },
      { role: 'assistant' },
      { role: 'user', content: 'thanks' },
    ],
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  } as unknown as ChatRequest;
  for (const [id, provider] of Object.entries(providers) as Array<[ProviderId, NonNullable<(typeof providers)[ProviderId]>]>) {
    it(`${id}: a request of the documented shape, never a TypeError`, () => {
      const up = provider.chat.buildRequest(structuredClone(raw), target(id));
      assert.deepEqual(requestShapeProblems(id, JSON.parse(up.body as string)), []);
    });
  }
});
