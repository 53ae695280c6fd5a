// Property: every request Anthropic's Messages API accepts (generated from
// its API reference, test/arbitraries/anthropic-messages-request.ts) passes
// the Anthropic ingress, becomes a well-formed OpenAI request, and every
// provider's translation builds it in its documented shape, or refuses what
// it cannot carry (images in tool results, documents) with a 400 naming the
// field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { anthropicMessagesRequest } from '../../../test/arbitraries/anthropic-messages-request';
import { requestShapeProblems } from '../../../test/arbitraries/provider-request-shapes';
import type { ProviderId } from '../../contract';
import { validateChat } from '../../openai/validate';
import { GatewayError, type Target } from '../../providers/contract';
import { providers } from '../../providers';
import { parseAnthropicRequest } from './to-openai-request';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

const target = (provider: ProviderId): Target => ({
  provider,
  model: provider === 'bedrock' ? 'anthropic.claude-3-7-sonnet-20250219-v1:0' : provider === 'anthropic' ? 'claude-opus-4-1' : 'model-x',
  credentials: { apiKey: 'k', accessKeyId: 'a', secretAccessKey: 's', region: 'us-east-1', resource: 'r' },
  options: { baseUrl: 'https://p.example/v1' },
});

describe('the Anthropic ingress accepts every request the Messages API accepts', () => {
  for (const full of [false, true]) {
    it(`${full ? 'any' : 'portable'} requests translate to a valid OpenAI request`, () => {
      fc.assert(
        fc.property(anthropicMessagesRequest({ full }), (body) => {
          const req = parseAnthropicRequest(structuredClone(body));
          const again = validateChat(structuredClone(req));
          assert.ok(again.ok, JSON.stringify(!again.ok && again.error));
        }),
        { numRuns: RUNS },
      );
    });
  }

  for (const id of Object.keys(providers) as ProviderId[]) {
    it(`${id}: portable requests build in the documented shape; others build or name what they cannot carry`, () => {
      fc.assert(
        fc.property(anthropicMessagesRequest({ full: false }), (body) => {
          const up = providers[id]!.chat.buildRequest(parseAnthropicRequest(structuredClone(body)), target(id));
          assert.deepEqual(requestShapeProblems(id, JSON.parse(up.body as string)), []);
        }),
        { numRuns: RUNS },
      );
      fc.assert(
        fc.property(anthropicMessagesRequest({ full: true }), (body) => {
          let up;
          try {
            up = providers[id]!.chat.buildRequest(parseAnthropicRequest(structuredClone(body)), target(id));
          } catch (err) {
            assert.ok(err instanceof GatewayError && err.status === 400 && err.param, String((err as Error).stack));
            return;
          }
          assert.deepEqual(requestShapeProblems(id, JSON.parse(up.body as string)), []);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
