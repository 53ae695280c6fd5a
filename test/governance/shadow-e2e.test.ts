// Shadow traffic through the whole product: a Kong node, the control plane,
// a fake OpenAI for the endpoint's destination and another for its shadow
// (its own secret). What is sampled, what the shadow gets, how both answers
// are traced and compared, and what the client never notices.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { Behaviour, FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../e2e/stack';

let stack: Stack;
let primary: FakeProvider;
let candidate: FakeProvider;
const SHADOW_KEY = 'sk-shadow-0123456789abcdef';

type Trace = Record<string, any>;

const destination = () => ({
  id: 'main',
  provider: 'openai',
  model: 'gpt-4o',
  secret: 'primary-key',
  weight: 100,
  options: { baseUrl: `${primary.url}/v1` },
});
const shadowOf = (extra: Record<string, unknown> = {}) => ({
  destination: { provider: 'openai', model: 'gpt-4o-mini', secret: 'shadow-key', options: { baseUrl: `${candidate.url}/v1` } },
  percent: 100,
  maxConcurrent: 256,
  ...extra,
});

async function endpointWith(name: string, shadow: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  await putEndpoint(stack, { name, kind: 'chat', destinations: [destination()], shadow, ...extra });
  await waitFor(`${name} served`, async () => ((await fetch(`${stack.openaiBaseUrl}/models/${name}`)).status === 200 ? true : undefined));
}

async function chat(model: string, body: Record<string, unknown> = {}): Promise<{ status: number; id: string; body: any; text: string }> {
  const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'what is the weather' }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, id: res.headers.get('x-request-id') ?? '', text, body: body.stream ? undefined : JSON.parse(text) };
}

async function traces(endpoint: string, want: (items: Trace[]) => boolean): Promise<Trace[]> {
  return waitFor(
    `traces of ${endpoint}`,
    async () => {
      const res = await stack.api<{ items: Trace[] }>('GET', `/api/v1/traces?endpoint=${endpoint}&limit=500`);
      return want(res.body.items) ? res.body.items : undefined;
    },
    20_000,
    100,
  );
}

/** The shadow trace of the request with trace id `id`. */
async function shadowTraceOf(endpoint: string, id: string): Promise<Trace> {
  const items = await traces(endpoint, (all) => all.some((t) => t.shadowOf === id));
  return items.find((t) => t.shadowOf === id)!;
}

/** Smallest lo and largest hi with P(X < lo) and P(X > hi) each below alpha/2, X ~ Binomial(n, p). */
function binomialRange(n: number, p: number, alpha: number): [number, number] {
  const pmf: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  let lo = 0;
  for (let below = 0; below + pmf[lo]! < alpha / 2; lo++) below += pmf[lo]!;
  let hi = n;
  for (let above = 0; above + pmf[hi]! < alpha / 2; hi--) above += pmf[hi]!;
  return [lo, hi];
}

const chatRequests = (fake: FakeProvider) => fake.requests.filter((r) => r.path === '/v1/chat/completions');

before(async () => {
  [stack, primary, candidate] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-primary' }), startFakeOpenAI({ apiKey: SHADOW_KEY })]);
  await createSecret(stack, 'primary-key', 'openai', { apiKey: 'sk-primary' });
  await createSecret(stack, 'shadow-key', 'openai', { apiKey: SHADOW_KEY });
});

after(async () => {
  await stack?.close();
  await Promise.all([primary?.close(), candidate?.close()]);
});

describe('shadow traffic', () => {
  it('100 requests at 30 %: the shadow gets a binomially plausible share, and every shadow call is paired with its request', { timeout: 120_000 }, async () => {
    await endpointWith('sampled', shadowOf({ percent: 30 }));
    const before = chatRequests(candidate).length;
    const sent: Array<{ status: number; id: string }> = [];
    for (let i = 0; i < 100; i += 5) sent.push(...(await Promise.all(Array.from({ length: 5 }, () => chat('sampled')))));
    assert.ok(sent.every((r) => r.status === 200));
    const ids = new Set(sent.map((r) => r.id));

    const items = await traces('sampled', (all) => {
      const shadowed = all.filter((t) => ids.has(t.id) && t.shadowTraceId).length;
      return all.filter((t) => ids.has(t.id)).length === 100 && all.filter((t) => t.shadowOf).length === shadowed;
    });
    const clients = items.filter((t) => ids.has(t.id));
    const shadows = items.filter((t) => t.shadowOf);
    const calls = chatRequests(candidate).length - before;
    const [lo, hi] = binomialRange(100, 0.3, 1e-6);
    assert.ok(calls >= lo && calls <= hi, `${calls} shadow calls for 100 requests at 30 % (expected ${lo}..${hi}, P(outside) < 1e-6)`);
    assert.equal(shadows.length, calls, 'one shadow trace per shadow call');
    assert.equal(clients.filter((t) => t.shadowTraceId).length, calls, 'every shadowed request names its shadow');
    for (const s of shadows) {
      const client = clients.find((t) => t.id === s.shadowOf);
      assert.ok(client, 'a shadow trace points at its request');
      assert.equal(client.shadowTraceId, s.id, 'and the request points back');
      assert.equal(s.status, 200);
      assert.deepEqual([s.provider, s.model, s.stream], ['openai', 'gpt-4o-mini', false]);
      assert.equal(s.comparison.exactMatch, true, 'both fakes echo the question');
      assert.equal(s.comparison.textSimilarity, 1);
      assert.deepEqual([s.comparison.primary.model, s.comparison.shadow.model], ['gpt-4o', 'gpt-4o-mini']);
      assert.equal(s.comparison.primary.latencyMs, client.latencyMs);
      assert.equal(s.comparison.shadow.latencyMs, s.latencyMs);
      assert.deepEqual([s.comparison.primary.finishReason, s.comparison.shadow.finishReason], ['stop', 'stop']);
      assert.ok(s.comparison.primary.costUsd > s.comparison.shadow.costUsd, 'gpt-4o costs more than gpt-4o-mini');
    }
    // The shadow's own key went to the shadow, the endpoint's to the endpoint.
    assert.ok(chatRequests(candidate).every((r) => r.headers.authorization === `Bearer ${SHADOW_KEY}`));
  });

  it('compares answers: exact match, the same tool calls however their arguments are written, and a text similarity', { timeout: 60_000 }, async () => {
    await endpointWith('compared', shadowOf());
    const pair = async (a: Behaviour, b: Behaviour, body: Record<string, unknown> = {}) => {
      primary.enqueue(a);
      candidate.enqueue(b);
      const res = await chat('compared', body);
      assert.equal(res.status, 200);
      return { client: res, shadow: await shadowTraceOf('compared', res.id) };
    };
    const weather = (args: string) => ({ kind: 'ok' as const, toolCalls: [{ name: 'get_weather', arguments: args }] });

    const same = await pair({ kind: 'ok', text: 'It is sunny.' }, { kind: 'ok', text: '  It is sunny.\n' });
    assert.deepEqual(pick(same.shadow.comparison), { exactMatch: true, sameToolCalls: true, toolCalls: false, textSimilarity: 1 });

    const reworded = await pair({ kind: 'ok', text: 'the cat sat on the mat' }, { kind: 'ok', text: 'The cat sat on a mat.' });
    // word counts {the:2,cat,sat,on,mat} and {the,cat,sat,on,a,mat}: 6 / sqrt(8 * 6)
    assert.deepEqual(pick(reworded.shadow.comparison), { exactMatch: false, sameToolCalls: true, toolCalls: false, textSimilarity: 0.866 });

    const sameCall = await pair(weather('{"city":"Paris","unit":"c"}'), weather('{ "unit": "c", "city": "Paris" }'));
    assert.deepEqual(pick(sameCall.shadow.comparison), { exactMatch: true, sameToolCalls: true, toolCalls: true, textSimilarity: 1 });
    assert.deepEqual([sameCall.shadow.comparison.primary.finishReason, sameCall.shadow.comparison.shadow.finishReason], ['tool_calls', 'tool_calls']);

    const otherCall = await pair(weather('{"city":"Paris"}'), weather('{"city":"Rome"}'));
    assert.deepEqual(pick(otherCall.shadow.comparison), { exactMatch: false, sameToolCalls: false, toolCalls: true, textSimilarity: 1 });

    const textVsCall = await pair({ kind: 'ok', text: 'Paris is sunny' }, weather('{"city":"Paris"}'));
    assert.deepEqual(pick(textVsCall.shadow.comparison), { exactMatch: false, sameToolCalls: false, toolCalls: true, textSimilarity: 0 });
    assert.deepEqual([textVsCall.shadow.comparison.primary.finishReason, textVsCall.shadow.comparison.shadow.finishReason], ['stop', 'tool_calls']);

    // The usage API's comparison for the endpoint: 5 pairs, 2 exact, tool calls in 3 pairs of which 1 agree.
    const report = await stack.api<any>('GET', '/api/v1/usage/shadow?endpoint=compared');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const g = report.body.groups[0];
    assert.deepEqual(
      [g.endpoint, g.provider, g.model, g.sampled, g.compared, g.failed, g.skipped, g.exactMatchRate, g.toolCallPairs, g.sameToolCallsRate],
      ['compared', 'openai', 'gpt-4o-mini', 5, 5, 0, 0, 0.4, 3, 0.3333],
    );
    assert.equal(g.meanTextSimilarity, Math.round(((1 + 0.866 + 1 + 1 + 0) / 5) * 1e4) / 1e4);
    assert.equal(g.finishReasonAgreement, 0.8);
    assert.ok(g.costDeltaUsd.total < 0, 'the candidate is cheaper');
    assert.equal(typeof g.latencyDeltaMs.p50, 'number');
  });

  it('a streamed request is shadowed as a whole call and compared with the stream put back together', { timeout: 60_000 }, async () => {
    await endpointWith('streamed', shadowOf());
    primary.enqueue({ kind: 'ok', text: 'one two three four five six', chunkGapMs: 2 });
    candidate.enqueue({ kind: 'ok', text: 'one two three four five six' });
    const res = await chat('streamed', { stream: true, stream_options: { include_usage: true } });
    assert.equal(res.status, 200);
    assert.match(res.text, /data: \[DONE\]/);
    const shadow = await shadowTraceOf('streamed', res.id);
    const sentToShadow = JSON.parse(chatRequests(candidate).at(-1)!.body);
    assert.ok(!sentToShadow.stream && sentToShadow.stream_options === undefined, 'the shadow call is not streamed');
    assert.deepEqual(sentToShadow.messages, [{ role: 'user', content: 'what is the weather' }]);
    assert.equal(shadow.comparison.exactMatch, true);
    assert.equal(shadow.comparison.primary.finishReason, 'stop');
    assert.ok(shadow.comparison.primary.completionTokens > 0);
  });

  it('the client never waits for the shadow, nor sees it fail; the shadow never falls back or retries', { timeout: 60_000 }, async () => {
    await endpointWith('careless', shadowOf({ destination: { ...shadowOf().destination, timeoutMs: 600_000 } }));
    const before = chatRequests(candidate).length;
    candidate.enqueue({ kind: 'hang' });
    const res = await chat('careless', { messages: [{ role: 'user', content: 'are you there' }] });
    assert.equal(res.status, 200);
    assert.equal(res.body.choices[0].message.content, 'echo: are you there');
    // The answer is complete while the shadow call is still waiting for its (never coming) answer.
    await waitFor('the shadow call', async () => (chatRequests(candidate).length > before ? true : undefined));
    const open = await stack.api<{ items: Trace[] }>('GET', '/api/v1/traces?endpoint=careless&limit=50');
    assert.ok(!open.body.items.some((t) => t.shadowOf === res.id), 'no shadow trace yet: the shadow is still in flight');

    candidate.enqueue({ kind: 'status', status: 500 }, { kind: 'ok' });
    const second = await chat('careless');
    assert.equal(second.status, 200);
    const failed = await shadowTraceOf('careless', second.id);
    assert.equal(failed.status, 502);
    assert.equal(failed.comparison, undefined);
    assert.equal(failed.attempts.length, 1, 'one attempt, no retry or fallback');
    candidate.clear();
  });

  it("handles the shadow's secret like any destination's: scrubbed from traces, not deletable while used", { timeout: 60_000 }, async () => {
    await endpointWith('secretive', shadowOf());
    candidate.enqueue({ kind: 'status', status: 400, message: `Invalid request: your key ${SHADOW_KEY} is not allowed here` });
    const res = await chat('secretive');
    assert.equal(res.status, 200);
    const shadow = await shadowTraceOf('secretive', res.id);
    const message: string = shadow.attempts[0].error.message;
    assert.ok(!message.includes(SHADOW_KEY) && !message.includes(SHADOW_KEY.slice(0, 12)), message);
    assert.match(message, /REDACTED/);

    const del = await stack.api<any>('DELETE', '/api/v1/secrets/shadow-key');
    assert.equal(del.status, 409);
    assert.equal(del.body.error.code, 'secret_in_use');
    const got = await stack.api<any>('GET', '/api/v1/endpoints/secretive');
    assert.ok(!JSON.stringify(got.body).includes(SHADOW_KEY));
  });

  it("is free of the client's budgets unless countBudgets says otherwise", { timeout: 90_000 }, async () => {
    const spentCalls = async (id: string, want: number) =>
      waitFor(
        `${want} calls spent`,
        async () => {
          const s = (await stack.api<any>('GET', `/api/v1/budgets/${id}/spend`)).body;
          return s.spentCalls === want && s.leased === 0 ? s : undefined;
        },
        20_000,
        200,
      );
    for (const [name, countBudgets, per] of [
      ['free-shadow', false, 1],
      ['paid-shadow', true, 2],
    ] as const) {
      await putEndpoint(stack, { name, kind: 'chat', destinations: [destination()], enabled: false });
      const budget = await stack.api<any>('POST', '/api/v1/budgets', {
        name: `${name}-calls`,
        unit: 'calls',
        limit: 1000,
        window: { unit: 'days', size: 1 },
        action: 'reject',
        scope: { type: 'endpoint', endpoint: name },
      });
      assert.equal(budget.status, 201, JSON.stringify(budget.body));
      await endpointWith(name, shadowOf({ countBudgets }));
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await chat(name)).id);
      for (const id of ids) await shadowTraceOf(name, id);
      await spentCalls(budget.body.id, 5 * per);
    }
  });

  it('counts shadow calls in /metrics apart from requests', async () => {
    const res = await fetch(`${stack.controlPlane.url}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const text = await res.text();
    assert.match(text, /llm_gateway_shadow_calls_total\{endpoint="compared",provider="openai",model="gpt-4o-mini",outcome="agree"\} 2/);
    assert.match(text, /llm_gateway_shadow_calls_total\{endpoint="compared",provider="openai",model="gpt-4o-mini",outcome="differ"\} 3/);
    assert.match(text, /llm_gateway_requests_total\{endpoint="compared",provider="openai",api="openai",status="200"\} 5/);
  });
});

function pick(c: Record<string, unknown>) {
  return { exactMatch: c.exactMatch, sameToolCalls: c.sameToolCalls, toolCalls: c.toolCalls, textSimilarity: c.textSimilarity };
}
