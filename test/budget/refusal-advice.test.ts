// What a refused client is told. A request without max_tokens reserves its
// model's whole output limit: when a lower max_tokens fits the budget now,
// the refusal says how low (no Retry-After: waiting is not the fix), and a
// request with that max_tokens is admitted. And one "remaining" figure: with
// nothing in flight, a refusal's x-budget-remaining is the spend API's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../e2e/stack';

let stack: Stack;
let provider: FakeProvider;
let budgetId: string;

before(async () => {
  [stack, provider] = await Promise.all([startStack({ controlPlaneEnv: { BUDGET_SLICES: 'off' } }), startFakeOpenAI({ apiKey: 'k' })]);
  await createSecret(stack, 'oai', 'openai', { apiKey: 'k' });
  await putEndpoint(stack, {
    name: 'thrifty',
    kind: 'chat',
    destinations: [{ id: 'd', provider: 'openai', model: 'gpt-4o-mini', secret: 'oai', weight: 100, options: { baseUrl: `${provider.url}/v1` } }],
  });
  // gpt-4o-mini: $0.60 per million output tokens; its 16,384-token output limit reserves about $0.0098.
  const created = await stack.api<{ id: string }>('POST', '/api/v1/budgets', {
    name: 'tiny',
    unit: 'usd',
    limit: 0.005,
    window: { unit: 'days', size: 1 },
    action: 'reject',
    scope: { type: 'endpoint', endpoint: 'thrifty' },
  });
  budgetId = created.body.id;
  await waitFor('the endpoint', async () => ((await ask({})).status !== 404 ? true : undefined));
});

after(async () => {
  await stack?.close();
  await provider?.close();
});

function ask(extra: Record<string, unknown>) {
  return fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'thrifty', messages: [{ role: 'user', content: 'hello' }], ...extra }),
  });
}

test('a request that fits with a lower max_tokens is told how low, without Retry-After, and that max_tokens is admitted', async () => {
  const refused = await waitFor('the budget in force', async () => {
    const res = await ask({});
    return res.status === 429 ? res : undefined;
  });
  const body = (await refused.json()) as { error: { message: string; param: string | null; code: string } };
  assert.equal(body.error.code, 'budget_exceeded');
  const fits = Number(refused.headers.get('x-budget-max-tokens'));
  assert.ok(fits > 1000 && fits < 16_384, `fits ${fits}`);
  assert.match(body.error.message, new RegExp(`max_tokens of at most ${fits} fits now`));
  assert.equal(body.error.param, 'max_tokens');
  assert.equal(refused.headers.get('retry-after'), null);

  const admitted = await ask({ max_tokens: fits });
  assert.equal(admitted.status, 200, await admitted.clone().text());
  assert.equal((await ask({ max_tokens: fits + 2000 })).status, 429, 'beyond what fits is still refused');
});

test('with nothing in flight, x-budget-remaining is the spend API’s remaining', async () => {
  // Wait for the admitted request to be settled, then be refused once more.
  const spend = async () => (await stack.api<{ remaining: number; committed: number; spentUsd: number }>('GET', `/api/v1/budgets/${budgetId}/spend`)).body;
  await waitFor('the settlement', async () => ((await spend()).spentUsd > 0 ? true : undefined));
  const refused = await ask({ max_tokens: 16_000 });
  assert.equal(refused.status, 429);
  const shown = refused.headers.get('x-budget-remaining');
  assert.equal(Number(shown).toFixed(6), (await spend()).remaining.toFixed(6));
});
