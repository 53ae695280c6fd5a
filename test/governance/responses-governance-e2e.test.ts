// Governance through the Responses API: the same pipeline as chat, so a run's
// call limit, the loop breaker and shadow traffic hold for an agent that
// speaks /v1/responses (here OpenAI's own Node client, as agents bring it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../e2e/stack';

let stack: Stack;
let primary: FakeProvider;
let candidate: FakeProvider;
const RUN_HEADER = 'x-agent-run-id';

const destination = () => ({ id: 'main', provider: 'openai', model: 'gpt-4o', secret: 'primary-key', weight: 100, options: { baseUrl: `${primary.url}/v1` } });

/** With `budget`: the endpoint exists disabled until its budget does, so no node serves it without the budget. */
async function serve(name: string, extra: Record<string, unknown>, budget?: Record<string, unknown>): Promise<void> {
  const body = { name, kind: 'chat', destinations: [destination()], runs: { header: RUN_HEADER }, ...extra };
  if (budget) {
    await putEndpoint(stack, { ...body, enabled: false });
    const created = await stack.api('POST', '/api/v1/budgets', budget);
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  await putEndpoint(stack, body);
  await waitFor(`${name} served`, async () => ((await fetch(`${stack.openaiBaseUrl}/models/${name}`)).status === 200 ? true : undefined));
}

const clientFor = (run: string) => new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0, defaultHeaders: { [RUN_HEADER]: run } });
const newRun = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Sends `n` Responses calls of one run one after another; the statuses, and the first refusal as the client saw it. */
async function send(run: string, model: string, n: number, input: (i: number) => string) {
  const client = clientFor(run);
  const statuses: number[] = [];
  let refusal: InstanceType<typeof OpenAI.APIError> | undefined;
  for (let i = 0; i < n; i++) {
    try {
      await client.responses.create({ model, input: input(i), store: false });
      statuses.push(200);
    } catch (err) {
      if (!(err instanceof OpenAI.APIError)) throw err;
      statuses.push(err.status ?? 0);
      refusal ??= err;
    }
  }
  return { statuses, refusal };
}

async function traces(endpoint: string, want: (items: Array<Record<string, any>>) => boolean) {
  return waitFor(
    `traces of ${endpoint}`,
    async () => {
      const res = await stack.api<{ items: Array<Record<string, any>> }>('GET', `/api/v1/traces?endpoint=${endpoint}&limit=500`);
      return want(res.body.items) ? res.body.items : undefined;
    },
    20_000,
    100,
  );
}

before(async () => {
  [stack, primary, candidate] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-primary' }), startFakeOpenAI({ apiKey: 'sk-candidate' })]);
  await createSecret(stack, 'primary-key', 'openai', { apiKey: 'sk-primary' });
  await createSecret(stack, 'shadow-key', 'openai', { apiKey: 'sk-candidate' });
});

after(async () => {
  await stack?.close();
  await Promise.all([primary?.close(), candidate?.close()]);
});

describe('governance on the Responses API', () => {
  it('a 5-call run budget stops the run at its 6th call with run_call_limit_exceeded; traces name the run', { timeout: 90_000 }, async () => {
    await serve('resp-runs', {}, { name: 'responses-run-calls', unit: 'calls', limit: 5, action: 'reject', scope: { type: 'run', endpoint: 'resp-runs' } });
    const run = newRun('resp');
    const { statuses, refusal } = await send(run, 'resp-runs', 7, (i) => `step ${i}`);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(refusal?.code, 'run_call_limit_exceeded');
    assert.match(refusal?.message ?? '', /run/i);
    // Another run of the same agent is not affected.
    assert.deepEqual((await send(newRun('resp'), 'resp-runs', 1, () => 'again')).statuses, [200]);
    const mine = (await traces('resp-runs', (all) => all.filter((t) => t.runId === run).length >= 7)).filter((t) => t.runId === run);
    assert.ok(mine.every((t) => t.ingress === 'responses'));
    assert.equal(mine.filter((t) => t.status === 429).length, 2);
  });

  it('the loop breaker refuses the same Responses request beyond maxRepeats in a run (loop_detected)', { timeout: 90_000 }, async () => {
    await serve('resp-loop', { loopBreaker: { maxRepeats: 3, repeatWindowSeconds: 600 } });
    const run = newRun('loop');
    const same = await send(run, 'resp-loop', 5, () => 'call the tool again');
    assert.deepEqual(same.statuses, [200, 200, 200, 429, 429]);
    assert.equal(same.refusal?.code, 'loop_detected');
    // A different request of the same run still goes through.
    assert.deepEqual((await send(run, 'resp-loop', 1, () => 'something else')).statuses, [200]);
  });

  it('shadows Responses calls (streamed or not) and compares the answers', { timeout: 90_000 }, async () => {
    await serve('resp-shadow', {
      shadow: {
        destination: { provider: 'openai', model: 'gpt-4o-mini', secret: 'shadow-key', options: { baseUrl: `${candidate.url}/v1` } },
        percent: 100,
        maxConcurrent: 16,
      },
    });
    const client = clientFor(newRun('shadow'));
    const plain = await client.responses.create({ model: 'resp-shadow', input: 'what is the weather', store: false });
    assert.ok(plain.output_text.length > 0);
    const stream = await client.responses.create({ model: 'resp-shadow', input: 'what is the weather', store: false, stream: true });
    let streamed = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') streamed += event.delta;
    assert.ok(streamed.length > 0);

    const all = await traces('resp-shadow', (items) => items.filter((t) => t.shadowOf).length >= 2);
    const clientTraces = all.filter((t) => !t.shadowOf && t.ingress === 'responses');
    assert.equal(clientTraces.length, 2);
    for (const t of clientTraces) {
      const shadow = all.find((s) => s.shadowOf === t.id)!;
      assert.ok(shadow, 'every Responses call has its shadow');
      assert.equal(t.shadowTraceId, shadow.id);
      assert.deepEqual([shadow.status, shadow.model, shadow.stream, shadow.runId], [200, 'gpt-4o-mini', false, t.runId]);
      // Both fakes answer the same question alike: the comparison says so.
      assert.equal(shadow.comparison.exactMatch, true);
      assert.equal(shadow.comparison.primary.model, 'gpt-4o');
      assert.ok(shadow.attempts[0].startOffsetMs !== undefined, 'the shadow trace carries attempt offsets like any trace');
    }
    assert.equal(candidate.requests.filter((r) => r.path === '/v1/chat/completions').length, 2);
  });
});
