import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { priceUsd, worstCasePriceUsd } from './pricing';

test('prices come from the maintained table and match it exactly', () => {
  for (const [provider, model, id] of [
    ['openai', 'gpt-4o-mini', 'openai'],
    ['anthropic', 'claude-3-5-sonnet-20241022', 'anthropic'],
  ] as const) {
    const expected = calcPrice({ input_tokens: 1234, output_tokens: 567 }, model, { providerId: id })!.total_price;
    const got = priceUsd({ provider, model }, { promptTokens: 1234, completionTokens: 567 })!;
    assert.ok(Math.abs(got - expected) < 1e-12, `${model}: ${got} vs ${expected}`);
    // Second call goes through the remembered rates.
    assert.ok(Math.abs(priceUsd({ provider, model }, { promptTokens: 1234, completionTokens: 567 })! - expected) < 1e-12);
  }
});

test('a destination price overrides the table; an unknown model has no price', () => {
  assert.equal(
    priceUsd({ provider: 'openai', model: 'gpt-4o-mini', price: { inputPerMTok: 1, outputPerMTok: 2 } }, { promptTokens: 1e6, completionTokens: 1e6 }),
    3,
  );
  assert.equal(priceUsd({ provider: 'openai-compatible', model: 'my-own-llama' }, { promptTokens: 10, completionTokens: 10 }), undefined);
});

test('cache reads and writes are priced at their own rates, exactly as the table prices them', () => {
  for (const [provider, model, id] of [
    ['anthropic', 'claude-3-5-sonnet-20241022', 'anthropic'],
    ['openai', 'gpt-4o-mini', 'openai'],
    ['anthropic', 'claude-sonnet-4-5', 'anthropic'], // tiered (long context)
  ] as const) {
    for (const usage of [
      { promptTokens: 10_000, completionTokens: 500, cachedTokens: 8_000 },
      { promptTokens: 10_000, completionTokens: 500, cacheWriteTokens: 9_000 },
      { promptTokens: 300_000, completionTokens: 500, cachedTokens: 250_000, cacheWriteTokens: 40_000 },
    ]) {
      const expected = calcPrice(
        {
          input_tokens: usage.promptTokens,
          output_tokens: usage.completionTokens,
          cache_read_tokens: usage.cachedTokens,
          cache_write_tokens: usage.cacheWriteTokens,
        },
        model,
        { providerId: id },
      )!.total_price;
      const got = priceUsd({ provider, model }, usage)!;
      assert.ok(Math.abs(got - expected) < 1e-9, `${model} ${JSON.stringify(usage)}: ${got} vs ${expected}`);
    }
  }
  const plain = priceUsd({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022' }, { promptTokens: 10_000, completionTokens: 0 })!;
  const cached = priceUsd({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022' }, { promptTokens: 10_000, completionTokens: 0, cachedTokens: 10_000 })!;
  assert.ok(Math.abs(cached - plain / 10) < 1e-12, 'Anthropic cache reads cost a tenth of input');
});

test('a destination price may set cache rates; without them cached tokens cost the input rate', () => {
  const price = { inputPerMTok: 2, outputPerMTok: 8, cacheReadPerMTok: 0.5, cacheWritePerMTok: 2.5 };
  const usage = { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 400_000, cacheWriteTokens: 100_000 };
  assert.equal(priceUsd({ provider: 'openai-compatible', model: 'x', price }, usage), 0.5 * 2 + 0.4 * 0.5 + 0.1 * 2.5 + 8);
  assert.equal(priceUsd({ provider: 'openai-compatible', model: 'x', price: { inputPerMTok: 2, outputPerMTok: 8 } }, usage), 10);
});

test('the worst case prices every prompt token at the dearest prompt rate, so no cache pattern costs more', () => {
  for (const d of [
    { provider: 'anthropic' as const, model: 'claude-3-5-sonnet-20241022' },
    { provider: 'anthropic' as const, model: 'claude-sonnet-4-5' },
    { provider: 'openai' as const, model: 'gpt-4o-mini' },
    { provider: 'openai-compatible' as const, model: 'x', price: { inputPerMTok: 1, outputPerMTok: 2, cacheWritePerMTok: 3, cacheWrite1hPerMTok: 4 } },
  ]) {
    const worst = worstCasePriceUsd(d, 20_000, 1_000)!;
    for (const split of [0, 0.3, 1]) {
      const actual = priceUsd(d, { promptTokens: 20_000, completionTokens: 1_000, cacheWriteTokens: 20_000 * split, cachedTokens: 20_000 * (1 - split) })!;
      assert.ok(actual <= worst + 1e-12, `${d.model}: ${actual} > ${worst}`);
    }
  }
  assert.equal(
    worstCasePriceUsd({ provider: 'openai-compatible', model: 'x', price: { inputPerMTok: 1, outputPerMTok: 2, cacheWrite1hPerMTok: 4 } }, 1e6, 0),
    4,
  );
});

test('a cost is a decimal to the picodollar, without binary float noise', () => {
  // 9 tokens at $0.15 per million is 0.0000013499999999999998 in plain float arithmetic.
  const price = { inputPerMTok: 0.15, outputPerMTok: 0.6 };
  assert.equal(priceUsd({ provider: 'openai', model: 'gpt-4o-mini', price }, { promptTokens: 9, completionTokens: 0 }), 0.00000135);
  assert.equal(String(priceUsd({ provider: 'openai', model: 'gpt-4o-mini', price }, { promptTokens: 9, completionTokens: 7 })), '0.00000555');
});
