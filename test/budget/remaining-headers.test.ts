// Every successful answer tells the client where its budget stands:
// x-budget-remaining / x-budget-reset / x-budget-policy, through the real
// stand-in for Kong (nginx + the plugin server) and the control plane's
// ledger on FerretDB, for every client API and kind. Slices are off, so each
// figure is the ledger's own: a whole answer's figure is the spend API's
// `remaining` once it is settled, and figures fall by what each request cost.
//
// Prices: $0.10 per output token, input free. max_tokens 10 reserves $1.00;
// the fake answers "echo: alpha beta gamma" (4 tokens), which costs $0.40.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { startBudgetStack, waitFor, type BudgetStack } from './stack';

let stack: BudgetStack;
let fake: FakeProvider;
let usdBudget: string;
let tokenBudget: string;
const LIMIT_USD = 100;
const LIMIT_TOKENS = 10_000;

const destination = (kind: 'chat' | 'embeddings') => ({
  id: 'oai',
  provider: 'openai',
  model: kind === 'chat' ? 'gpt-4o-mini' : 'text-embedding-3-small',
  secret: 'key',
  weight: 100,
  options: { baseUrl: `${fake.url}/v1` },
  price: { inputPerMTok: 0, outputPerMTok: 100_000 },
});

interface Spend {
  remaining: number;
  reservedUsd: number;
  reservedTokens: number;
  spentUsd: number;
  spentTokens: number;
  windowEnd: string;
}

const spend = async (id: string) => (await stack.api<Spend>('GET', `/api/v1/budgets/${id}/spend`)).body;
/** Until nothing is reserved and `spent` moved past `before`: the previous request's charge reached the ledger. */
const settled = (id: string, before?: Spend) =>
  waitFor('the settlement', async () => {
    const s = await spend(id);
    const moved = !before || s.spentUsd !== before.spentUsd || s.spentTokens !== before.spentTokens;
    return s.reservedUsd === 0 && s.reservedTokens === 0 && moved ? s : undefined;
  });

const url = (path: string) => `${stack.nodes[0].url}/gateway${path}`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const chat = (model: string, extra: Record<string, unknown> = {}) =>
  post('/openai/v1/chat/completions', { model, max_tokens: 10, messages: [{ role: 'user', content: 'alpha beta gamma' }], ...extra });

const micros = (x: string | number) => Math.round(Number(x) * 1e6);

before(async () => {
  [stack, fake] = await Promise.all([startBudgetStack({ nodes: 1, env: { BUDGET_SLICES: 'off' } }), startFakeOpenAI({ apiKey: 'sk-headers' })]);
  assert.equal((await stack.api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-headers' } })).status, 201);
  for (const [name, kind] of [
    ['metered', 'chat'],
    ['unmetered', 'chat'],
    ['free', 'chat'],
    ['embedder', 'embeddings'],
  ] as const) {
    const res = await stack.api('POST', '/api/v1/endpoints', { name, kind, destinations: [destination(kind)] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const budget = async (body: Record<string, unknown>) => {
    const res = await stack.api<{ id: string }>('POST', '/api/v1/budgets', { window: { unit: 'days', size: 1 }, action: 'reject', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  usdBudget = await budget({ name: 'metered-usd', unit: 'usd', limit: LIMIT_USD, scope: { type: 'endpoint', endpoint: 'metered' } });
  tokenBudget = await budget({ name: 'embedder-tokens', unit: 'tokens', limit: LIMIT_TOKENS, scope: { type: 'endpoint', endpoint: 'embedder' } });
  // An alert budget never refuses: it is not reported (docs/budgets.md).
  await budget({
    name: 'unmetered-watch',
    unit: 'usd',
    limit: 50,
    action: 'alert',
    webhookUrl: 'http://127.0.0.1:9/hook',
    scope: { type: 'endpoint', endpoint: 'unmetered' },
  });
  // Until the node's snapshot has the budgets (a request then carries their headers).
  await waitFor('the budgets on the node', async () => ((await chat('metered')).headers.get('x-budget-policy') ? true : undefined));
  await settled(usdBudget);
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

describe('x-budget-* on successful answers', () => {
  it('a whole answer reports what is left after its charge: the spend API’s remaining, falling by each request’s cost', async () => {
    let before = await settled(usdBudget);
    let previous = micros(before.remaining);
    for (let n = 0; n < 3; n++) {
      const res = await chat('metered');
      assert.equal(res.status, 200, await res.clone().text());
      const cost = micros(res.headers.get('x-gateway-cost-usd')!);
      assert.equal(cost, 400_000, 'the answer cost $0.40');
      const shown = res.headers.get('x-budget-remaining')!;
      assert.match(shown, /^\d+\.\d{6}$/, 'USD with 6 decimals, as on a 429');
      assert.equal(micros(shown), previous - cost, `request ${n + 1}: down by its cost`);
      assert.equal(res.headers.get('x-budget-policy'), 'metered-usd');
      const after = await settled(usdBudget, before);
      assert.equal(micros(shown), micros(after.remaining), 'the figure the spend API shows once it is settled');
      assert.equal(res.headers.get('x-budget-reset'), after.windowEnd);
      previous = micros(shown);
      before = after;
    }
    assert.equal(previous, micros(LIMIT_USD) - micros(before.spentUsd), 'limit − everything spent');
  });

  it('a stream reports what is left after its reservation (its headers leave before its cost is known)', async () => {
    const before = await settled(usdBudget);
    const res = await chat('metered', { stream: true });
    assert.equal(res.status, 200);
    const shown = micros(res.headers.get('x-budget-remaining')!);
    const text = await res.text();
    const cost = micros(/^: x-gateway-cost-usd (\S+)$/m.exec(text)![1]);
    assert.equal(cost, 400_000);
    // max_tokens 10 at $0.10 reserves $1.00.
    assert.equal(shown, micros(before.remaining) - 1_000_000);
    assert.equal(res.headers.get('x-budget-policy'), 'metered-usd');
    const after = await settled(usdBudget, before);
    assert.equal(micros(after.remaining), micros(before.remaining) - cost, 'and is then charged its cost only');
  });

  it('the Anthropic and Responses APIs carry them too, whole and streamed', async () => {
    const calls: Array<[string, () => Promise<Response>, 'whole' | 'stream']> = [
      [
        'anthropic',
        () =>
          post(
            '/anthropic/v1/messages',
            { model: 'metered', max_tokens: 10, messages: [{ role: 'user', content: 'alpha beta gamma' }] },
            { 'anthropic-version': '2023-06-01' },
          ),
        'whole',
      ],
      [
        'anthropic stream',
        () =>
          post(
            '/anthropic/v1/messages',
            { model: 'metered', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'alpha beta gamma' }] },
            { 'anthropic-version': '2023-06-01' },
          ),
        'stream',
      ],
      ['responses', () => post('/openai/v1/responses', { model: 'metered', max_output_tokens: 10, input: 'alpha beta gamma', store: false }), 'whole'],
      [
        'responses stream',
        () => post('/openai/v1/responses', { model: 'metered', max_output_tokens: 10, input: 'alpha beta gamma', store: false, stream: true }),
        'stream',
      ],
    ];
    for (const [what, call, shape] of calls) {
      const before = await settled(usdBudget);
      const res = await call();
      const body = await res.text();
      assert.equal(res.status, 200, `${what}: ${body}`);
      assert.equal(res.headers.get('x-budget-policy'), 'metered-usd', what);
      const shown = micros(res.headers.get('x-budget-remaining')!);
      const after = await settled(usdBudget, before);
      if (shape === 'whole') assert.equal(shown, micros(after.remaining), `${what}: after its charge`);
      else assert.equal(shown, micros(before.remaining) - 1_000_000, `${what}: after its reservation`);
    }
  });

  it('embeddings report a token budget as whole tokens', async () => {
    const before = await settled(tokenBudget);
    const res = await post('/openai/v1/embeddings', { model: 'embedder', input: ['alpha beta gamma', 'delta epsilon'] });
    assert.equal(res.status, 200, await res.clone().text());
    const shown = res.headers.get('x-budget-remaining')!;
    assert.match(shown, /^\d+$/);
    assert.equal(res.headers.get('x-budget-policy'), 'embedder-tokens');
    const after = await settled(tokenBudget, before);
    assert.equal(Number(shown), after.remaining, 'the spend API’s remaining once settled');
    assert.ok(Number(shown) < LIMIT_TOKENS);
  });

  it('are absent where no budget applies (none, or only an alert budget), whole or streamed', async () => {
    for (const model of ['free', 'unmetered']) {
      for (const stream of [false, true]) {
        const res = await chat(model, { stream });
        assert.equal(res.status, 200);
        await res.text();
        for (const h of ['x-budget-remaining', 'x-budget-reset', 'x-budget-policy']) assert.equal(res.headers.get(h), null, `${model}: ${h}, stream ${stream}`);
        assert.equal(res.headers.get('x-gateway-endpoint'), model, 'the gateway answered');
      }
    }
  });
});
