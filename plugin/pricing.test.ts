import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { priceUsd } from './pricing';

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
