import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destination, endpointOf } from '../../test/helpers/contract-fixtures';
import { estimatePromptTokens } from '../tokens/count';
import { FALLBACK_PRICE, PROMPT_MARGIN, chargedUsd, estimateChatCost, estimateEmbeddingsCost } from './estimate-cost';
import { amountIn, matchLedgerItems } from './match-policies';
import { DEFAULT_MAX_OUTPUT_TOKENS, defaultMaxOutputTokens } from './output-limits';

const dest = destination;
const endpoint = endpointOf;
const request = { model: 'chat', messages: [{ role: 'user' as const, content: 'Hello there, how are you?' }] };

describe('reservation estimate', () => {
  it('is the tokenizer prompt count plus max_tokens, priced with the destination price', () => {
    const price = { inputPerMTok: 1_000_000, outputPerMTok: 2_000_000 }; // $1 / $2 per token
    const cost = estimateChatCost(endpoint([dest({ price })]), { ...request, max_tokens: 10 });
    const prompt = estimatePromptTokens(request);
    assert.equal(cost.promptTokens, prompt);
    assert.equal(cost.tokens, prompt + 10);
    assert.equal(cost.usd, prompt * 1 + 10 * 2);
  });

  it('uses the model maximum output without max_tokens, times n choices', () => {
    const cost = estimateChatCost(endpoint([dest({ model: 'gpt-4o' })]), { ...request, n: 2 });
    assert.equal(cost.maxOutputTokens, 16_384 * 2);
    assert.equal(defaultMaxOutputTokens('claude-3-5-sonnet-20241022'), 8_192);
    assert.equal(defaultMaxOutputTokens('o3-mini'), 100_000);
    assert.equal(defaultMaxOutputTokens('some-local-model'), DEFAULT_MAX_OUTPUT_TOKENS);
  });

  it('takes the worst destination (fallbacks) and adds the margin for non-o200k families', () => {
    const cheap = dest({ id: 'a', price: { inputPerMTok: 1, outputPerMTok: 1 } });
    const dear = dest({ id: 'b', provider: 'anthropic', model: 'claude-x', price: { inputPerMTok: 10, outputPerMTok: 10 } });
    const cost = estimateChatCost(endpoint([cheap, dear]), { ...request, max_completion_tokens: 100 });
    const prompt = Math.ceil(estimatePromptTokens(request) * PROMPT_MARGIN);
    assert.equal(cost.promptTokens, prompt);
    assert.equal(cost.usd, ((prompt + 100) * 10) / 1e6);
  });

  it('prices unknown models at the conservative fallback price, when reserving and when charging', () => {
    const unknown = dest({ provider: 'openai-compatible', model: 'my-own-model' });
    const cost = estimateChatCost(endpoint([unknown]), { ...request, max_tokens: 1000 });
    assert.equal(cost.usd, (cost.promptTokens * FALLBACK_PRICE.inputPerMTok + 1000 * FALLBACK_PRICE.outputPerMTok) / 1e6);
    assert.equal(chargedUsd(unknown, { promptTokens: 1000, completionTokens: 1000 }, undefined), (1000 * 15 + 1000 * 75) / 1e6);
    assert.equal(chargedUsd(unknown, undefined, undefined), 0, 'a failed call costs nothing');
  });

  it('reserves prompt tokens at the dearest prompt rate (cache writes), and charges them at the rates billed: the charge never exceeds the reservation', () => {
    const price = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
    const claude = dest({ provider: 'anthropic', model: 'claude-sonnet-4-5', price });
    const cost = estimateChatCost(endpoint([claude]), { ...request, max_tokens: 100 });
    assert.equal(cost.usd, (cost.promptTokens * 3.75 + 100 * 15) / 1e6);
    const p = cost.promptTokens;
    for (const usage of [
      { promptTokens: p, completionTokens: 100 },
      { promptTokens: p, completionTokens: 100, cacheWriteTokens: p },
      { promptTokens: p, completionTokens: 100, cachedTokens: p },
    ]) {
      assert.ok(chargedUsd(claude, usage, undefined) <= cost.usd + 1e-12, JSON.stringify(usage));
    }
    assert.ok(
      chargedUsd(claude, { promptTokens: p, completionTokens: 100, cachedTokens: p }, undefined) <
        chargedUsd(claude, { promptTokens: p, completionTokens: 100 }, undefined),
    );
    // The table's own Anthropic prices: cache writes at 1.25x and 1-hour writes at 2x input are reserved for.
    const table = estimateChatCost(endpoint([dest({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022' })]), { ...request, max_tokens: 100 });
    assert.ok(Math.abs(table.usd - (table.promptTokens * 6 + 100 * 15) / 1e6) < 1e-12);
  });

  it('counts restored thinking and inline files in the prompt', () => {
    const withThinking = estimatePromptTokens({
      model: 'm',
      messages: [{ role: 'assistant', content: null, thinking_blocks: [{ type: 'thinking', thinking: 'word '.repeat(100), signature: 's' }] }],
    });
    assert.ok(withThinking > 100);
    const pdf = estimatePromptTokens({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: `data:application/pdf;base64,${'A'.repeat(400_000)}` } }] }],
    });
    assert.ok(pdf >= 75_000, `a 300 KB PDF is counted as ${pdf} tokens`);
  });

  it('counts embeddings inputs (strings and token arrays), no output', () => {
    const cost = estimateEmbeddingsCost(endpoint([dest({ model: 'text-embedding-3-small' })]), { model: 'e', input: ['hello world', 'x'] });
    assert.equal(cost.maxOutputTokens, 0);
    assert.ok(cost.tokens >= 3);
    assert.equal(estimateEmbeddingsCost(endpoint([dest({})]), { model: 'e', input: [[1, 2, 3], [4]] }).tokens, 4);
  });
});

describe('matching policies', () => {
  const policy = (id: string, scope: Parameters<typeof matchLedgerItems>[0][number]['scope'], over = {}) => ({
    id,
    name: id,
    unit: 'usd' as const,
    limit: 10,
    window: { unit: 'days' as const, size: 1 },
    action: 'reject' as const,
    scope,
    failOpen: false,
    version: 1,
    ...over,
  });
  const cost = { promptTokens: 10, maxOutputTokens: 5, tokens: 15, usd: 0.0000015 };

  it('applies global, own-endpoint, own-user and per-user policies, with the right subjects', () => {
    const items = matchLedgerItems(
      [
        policy('g', { type: 'global' }),
        policy('e', { type: 'endpoint', endpoint: 'chat' }),
        policy('other-e', { type: 'endpoint', endpoint: 'other' }),
        policy('u', { type: 'user', user: 'alice' }),
        policy('other-u', { type: 'user', user: 'bob' }),
        policy('per-user', { type: 'user' }, { unit: 'tokens' }),
      ],
      endpoint([dest({})]),
      { user: 'alice' },
      cost,
    );
    assert.deepEqual(
      items.map((i) => [i.policyId, i.subject, i.amount]),
      [
        ['g', '', 2],
        ['e', '', 2],
        ['u', '', 2],
        ['per-user', 'alice', 15],
      ],
    );
  });

  it('adds the endpoint rate limits, per endpoint or per user', () => {
    const e = endpoint([dest({})], { rateLimits: { requestsPerMinute: 5, tokensPerMinute: 100, per: 'user' } });
    const items = matchLedgerItems([], e, { user: 'alice' }, cost);
    assert.deepEqual(
      items.map((i) => [i.policyId, i.subject, i.unit, i.amount]),
      [
        ['ratelimit:e1:rpm', 'alice', 'requests', 1],
        ['ratelimit:e1:tpm', 'alice', 'tokens', 15],
      ],
    );
    assert.equal(amountIn('usd', { tokens: 0, usd: 1.2345671 }), 1_234_568, 'micro-USD, rounded up');
  });
});
