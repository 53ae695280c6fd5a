// Kong stopping the plugin server (SIGTERM) gives the node's budget slices
// back at once, instead of leaving them to expire with their lease (10 s).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { startBudgetStack, waitFor, type BudgetStack } from './stack';

let stack: BudgetStack;
let fake: FakeProvider;

before(async () => {
  [stack, fake] = await Promise.all([startBudgetStack({ nodes: 1 }), startFakeOpenAI({ apiKey: 'sk-shutdown' })]);
  assert.equal((await stack.api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-shutdown' } })).status, 201);
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

it('SIGTERM returns the slices a node holds, well before their lease would expire', { timeout: 30_000 }, async () => {
  const endpoint = {
    name: 'held',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  };
  assert.equal((await stack.api('POST', '/api/v1/endpoints', endpoint)).status, 201);
  const budget = await stack.api('POST', '/api/v1/budgets', {
    name: 'held',
    unit: 'usd',
    limit: 1000,
    window: { unit: 'days', size: 1 },
    action: 'reject',
    scope: { type: 'global' },
  });
  assert.equal(budget.status, 201);
  const chat = () =>
    fetch(`${stack.nodes[0]!.url}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'held', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.status);
  await waitFor('served under the budget', async () => ((await chat()) === 200 ? true : undefined));
  const spend = async () => (await stack.api('GET', `/api/v1/budgets/${budget.body.id}/spend`)).body;
  // Keep the slice busy (an idle slice goes back by itself after 1 s), then stop the node right after a request.
  for (const until = Date.now() + 1_500; Date.now() < until;) assert.equal(await chat(), 200);
  assert.ok((await spend()).leased > 0, 'the node holds a slice');

  const stoppedAt = Date.now();
  process.kill(stack.nodes[0]!.pluginServerPid()!, 'SIGTERM');
  const after = await waitFor('slice returned', async () => {
    const s = await spend();
    return s.leased === 0 ? s : undefined;
  });
  assert.ok(Date.now() - stoppedAt < 3_000, `returned in ${Date.now() - stoppedAt} ms (the lease would live 7.5 s or more)`);
  assert.ok(after.spentUsd > 0, 'what the request used stays spent');
});
