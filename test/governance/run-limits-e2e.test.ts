// Run-scoped budgets, per-run rate limits and the loop breaker through the
// whole product: two Kong nodes (two plugin-server processes, two data
// planes) sharing one control plane and its ledger, a fake OpenAI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { startBudgetStack, waitFor, type BudgetStack } from '../budget/stack';

let stack: BudgetStack;
let fake: FakeProvider;
const RUN_HEADER = 'x-agent-run-id';

const endpoint = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'chat',
  destinations: [
    {
      id: 'oai',
      provider: 'openai',
      model: 'gpt-4o-mini',
      secret: 'key',
      weight: 100,
      options: { baseUrl: `${fake.url}/v1` },
      // $0.10 per output token, input free: max_tokens 4 reserves $0.40, and the fake's 4-word answer costs $0.40.
      price: { inputPerMTok: 0, outputPerMTok: 100_000 },
    },
  ],
  runs: { header: RUN_HEADER },
  ...extra,
});

interface Sent {
  status: number;
  headers: Headers;
  body: any;
}

async function chat(node: number, model: string, headers: Record<string, string> = {}, text = 'alpha beta gamma'): Promise<Sent> {
  const res = await fetch(`${stack.nodes[node]!.url}/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: 'user', content: text }] }),
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
}

const run = (id: string) => ({ [RUN_HEADER]: id });
const newRun = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * Creates the endpoint disabled, then its budget, then enables it: a data
 * plane that serves the endpoint has a snapshot with the budget in it.
 */
async function createEndpoint(body: Record<string, unknown> & { name: string }, budget?: Record<string, unknown>): Promise<string | undefined> {
  const res = await stack.api('POST', '/api/v1/endpoints', { ...body, enabled: false });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = budget ? await createBudget(budget) : undefined;
  assert.equal((await stack.api('PATCH', `/api/v1/endpoints/${body.name}`, { enabled: true })).status, 200);
  // Until both nodes serve it (probes carry no run: run limits do not see them).
  for (const node of [0, 1]) await waitFor(`${body.name} on node ${node}`, async () => ((await chat(node, body.name)).status === 200 ? true : undefined));
  return id;
}

async function createBudget(body: Record<string, unknown>): Promise<string> {
  const res = await stack.api('POST', '/api/v1/budgets', { action: 'reject', ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

async function tracesOf(runId: string, want: number) {
  return waitFor(
    `${want} traces of run ${runId}`,
    async () => {
      const res = await stack.api<{ items: Array<Record<string, any>> }>('GET', '/api/v1/traces?limit=500');
      const mine = res.body.items.filter((t) => t.runId === runId);
      return mine.length >= want ? mine : undefined;
    },
    20_000,
    200,
  );
}

before(async () => {
  [stack, fake] = await Promise.all([startBudgetStack(), startFakeOpenAI({ apiKey: 'sk-run' })]);
  const secret = await stack.api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-run' } });
  assert.equal(secret.status, 201, JSON.stringify(secret.body));
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

describe('run-scoped limits across two Kong nodes', () => {
  it('one run sends 200 parallel calls against a 50-call run limit: exactly 50 admitted; the next run is unaffected', { timeout: 180_000 }, async () => {
    const budget = (await createEndpoint(endpoint('agent'), { name: 'run-calls', unit: 'calls', limit: 50, scope: { type: 'run', endpoint: 'agent' } }))!;
    const a = newRun('run-a');

    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2, 'agent', run(a))));
    const statuses = burst.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 50, `admitted: ${statuses.filter((s) => s === 200).length}`);
    assert.equal(statuses.filter((s) => s === 429).length, 150, `other statuses: ${[...new Set(statuses)].join(',')}`);

    const refused = burst.find((r) => r.status === 429)!;
    assert.equal(refused.body.error.code, 'run_call_limit_exceeded');
    assert.equal(refused.body.error.type, 'insufficient_quota');
    assert.match(refused.body.error.message, new RegExp(`Run '${a}' reached its call limit: budget 'run-calls' allows 50 model calls per run, 0 left`));
    assert.equal(refused.headers.get('x-budget-remaining'), '0');
    assert.equal(refused.headers.get('x-budget-run'), a);
    assert.equal(refused.headers.get('x-budget-policy'), 'run-calls');
    assert.equal(refused.headers.get('x-should-retry'), 'false', 'the OpenAI SDKs must not retry a run that is out of calls');
    assert.equal(refused.headers.get('retry-after'), null, 'a run window does not come back');
    const reset = Date.parse(refused.headers.get('x-budget-reset') ?? '');
    assert.ok(reset > Date.now() + 23 * 3600_000 && reset <= Date.now() + 24 * 3600_000, 'the run window closes 24 h after its first request');

    const spend = await stack.api<any>('GET', `/api/v1/budgets/${budget}/spend?run=${a}`);
    assert.equal(spend.status, 200, JSON.stringify(spend.body));
    assert.deepEqual([spend.body.committed, spend.body.available, spend.body.expired], [50, 0, false]);

    const b = newRun('run-b');
    const next = await Promise.all(Array.from({ length: 10 }, (_, i) => chat(i % 2, 'agent', run(b))));
    assert.deepEqual(
      next.map((r) => r.status),
      Array(10).fill(200),
      'the next run has its own window',
    );

    // The traces record the run; the usage API groups by it.
    const traces = await tracesOf(a, 200);
    assert.equal(traces.filter((t) => t.status === 200).length, 50);
    assert.equal(traces.filter((t) => t.errorCode === 'run_call_limit_exceeded').length, 150);
    const usage = await stack.api<any>('GET', '/api/v1/usage/summary?groupBy=run');
    const group = usage.body.groups.find((g: any) => g.key === a);
    assert.deepEqual([group.requests, group.errors], [200, 150]);
    assert.equal(usage.body.groups.find((g: any) => g.key === b).requests, 10);
  });

  it('the traceparent trace id is the run by default; requests with no run are not bound by run limits', { timeout: 60_000 }, async () => {
    await createEndpoint(endpoint('traced', { runs: undefined }), {
      name: 'traced-calls',
      unit: 'calls',
      limit: 3,
      scope: { type: 'run', endpoint: 'traced' },
    });
    const traceId = randomBytes(16).toString('hex');
    const parent = (span: number) => ({ traceparent: `00-${traceId}-${span.toString(16).padStart(16, '0')}-01` });
    const inRun = [];
    for (let i = 1; i <= 5; i++) inRun.push((await chat(i % 2, 'traced', parent(i))).status);
    assert.deepEqual(inRun, [200, 200, 200, 429, 429], 'every span of one trace is one run');
    const noRun = [];
    for (let i = 0; i < 5; i++) noRun.push((await chat(i % 2, 'traced')).status);
    assert.deepEqual(noRun, Array(5).fill(200));
    const traces = await tracesOf(traceId, 5);
    assert.ok(traces.every((t) => t.runId === traceId));
  });

  it('a run USD budget refuses with run_budget_exceeded and says what is left', { timeout: 60_000 }, async () => {
    const id = (await createEndpoint(endpoint('priced'), { name: 'run-dollar', unit: 'usd', limit: 1, scope: { type: 'run' } }))!;
    const r = newRun('run-usd');
    const sent = [await chat(0, 'priced', run(r)), await chat(1, 'priced', run(r)), await chat(0, 'priced', run(r))];
    assert.deepEqual(
      sent.map((s) => s.status),
      [200, 200, 429],
    );
    assert.equal(sent[2]!.body.error.code, 'run_budget_exceeded');
    assert.equal(sent[2]!.headers.get('x-budget-remaining'), '0.200000', '$1.00 - 2 x $0.40 settled');
    // $0.20 buys 2 output tokens: the refusal says how low max_tokens must go.
    assert.match(
      sent[2]!.body.error.message,
      /cannot take this request as sent under budget 'run-dollar': 0\.200000 USD left, and the request may cost up to 0\.400000 USD.* A max_tokens of at most 2 fits now\./,
    );
    assert.equal(sent[2]!.headers.get('x-budget-max-tokens'), '2');
    // Not another endpoint's business: the global run budget binds every endpoint, the endpoint-scoped one only 'agent'.
    assert.equal((await chat(1, 'agent', run(r))).status, 429, 'the same run on another endpoint shares the global run budget');
    assert.equal((await stack.api('DELETE', `/api/v1/budgets/${id}`)).status, 204);
    await new Promise((r) => setTimeout(r, 1_000));
  });

  it('per-run rate limit: each run its own minute; requests without a run are not limited', { timeout: 60_000 }, async () => {
    await createEndpoint(endpoint('paced', { rateLimits: { requestsPerMinute: 2, per: 'run' } }));
    const second = new Date().getUTCSeconds();
    if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
    const x = newRun('run-x');
    const xs = [await chat(0, 'paced', run(x)), await chat(1, 'paced', run(x)), await chat(0, 'paced', run(x))];
    assert.deepEqual(
      xs.map((s) => s.status),
      [200, 200, 429],
    );
    assert.equal(xs[2]!.body.error.code, 'rate_limit_exceeded');
    assert.equal(xs[2]!.headers.get('x-budget-run'), x);
    assert.ok(Number(xs[2]!.headers.get('retry-after')) >= 1);
    assert.equal((await chat(1, 'paced', run(newRun('run-y')))).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await chat(i % 2, 'paced')).status, 200);
  });

  it('an unusable run id is a 400 naming the header', async () => {
    const res = await chat(0, 'agent', { [RUN_HEADER]: 'has spaces in it' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_run_id');
    assert.equal(res.body.error.param, RUN_HEADER);
  });
});

describe('loop breaker across two Kong nodes', () => {
  it('refuses the same request beyond maxRepeats per run, exactly, under a parallel burst on both nodes', { timeout: 90_000 }, async () => {
    await createEndpoint(endpoint('loopy', { loopBreaker: { maxRepeats: 3, maxCalls: 20, callWindowSeconds: 600 } }));
    const r = newRun('run-loop');
    const same = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2, 'loopy', run(r), 'the very same question')));
    const statuses = same.map((s) => s.status);
    assert.equal(statuses.filter((s) => s === 200).length, 3, String(statuses));
    const refused = same.find((s) => s.status === 429)!;
    assert.equal(refused.body.error.code, 'loop_detected');
    assert.match(refused.body.error.message, new RegExp(`run '${r}' sent this same request \\(same messages and tools\\) 3 times`));
    assert.equal(refused.headers.get('x-should-retry'), 'false');
    assert.equal(refused.headers.get('x-budget-run'), r);

    assert.equal((await chat(0, 'loopy', run(r), 'a different question')).status, 200, 'a different request of the run goes on');
    assert.equal((await chat(1, 'loopy', run(newRun('run-loop2')), 'the very same question')).status, 200, 'another run is not this loop');

    // maxCalls: 20 in 10 minutes per run; 4 used above (3 repeats + 1). 30 distinct requests at once: 16 more.
    const distinct = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(i % 2, 'loopy', run(r), `question number ${i}`)));
    assert.equal(distinct.filter((s) => s.status === 200).length, 16);
    assert.ok(distinct.filter((s) => s.status === 429).every((s) => s.body.error.code === 'loop_detected'));

    // Counted in /metrics, from the refused requests' traces.
    await tracesOf(r, 3 + 9 + 1 + 30);
    const metrics = await fetch(`${stack.controlPlane.url}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /llm_gateway_refusals_total\{endpoint="loopy",code="loop_detected"\} 23/);
  });
});
