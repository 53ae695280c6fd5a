// Real agent frameworks in a loop, stopped by the gateway: an agent whose
// only tool always asks to be called again, against a model (fake OpenAI)
// that always calls it. The OpenAI Agents SDK meets a $0.50 / 40-call run
// budget; Google ADK on LiteLLM meets the loop breaker. Each must stop with
// the gateway's error raised to the agent's caller, and the traces must
// show the run. The frameworks come from scripts/clients-env.sh.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../e2e/stack';

const PYTHON = resolve(__dirname, '../../.cache/venv-clients/bin/python');
const SCRIPT = resolve(__dirname, 'python/looping_agent.py');
const RUN_HEADER = 'x-agent-run-id';

let stack: Stack;
let fake: FakeProvider;

interface AgentResult {
  framework: string;
  error: string | null;
  /** error.code of the gateway's answer, where the framework keeps it. */
  code: string | null;
  tool_calls: number;
}

function runAgent(plan: Record<string, unknown>): Promise<AgentResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [SCRIPT], {
      // No telemetry, no network: LiteLLM must not fetch its model-cost map.
      env: { ...process.env, PYTHONUNBUFFERED: '1', LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_TELEMETRY: 'False', NO_PROXY: '*', no_proxy: '*' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@result '));
      if (!line) return reject(new Error(`agent exited ${code} without a result: ${err}`));
      resolvePromise(JSON.parse(line.slice('@@result '.length)) as AgentResult);
    });
    child.stdin.end(`${JSON.stringify(plan)}\n`);
  });
}

async function runTraces(runId: string, want: number): Promise<Array<Record<string, any>>> {
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

/** The model always calls the tool again. */
function alwaysCallTheTool(times: number) {
  fake.clear();
  for (let i = 0; i < times; i++) fake.enqueue({ kind: 'ok', toolCalls: [{ name: 'next_step', arguments: `{"step": ${i + 1}}` }] });
}

const providerCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;

before(async () => {
  assert.ok(existsSync(PYTHON), `the client frameworks' venv is missing: run bash scripts/clients-env.sh (${PYTHON})`);
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-agent' })]);
  await createSecret(stack, 'agent-key', 'openai', { apiKey: 'sk-agent' });
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

describe('agents in a loop, stopped by the gateway', () => {
  it('OpenAI Agents SDK: a $0.50 / 40-call run budget stops the run at its 41st call; the error reaches the agent', { timeout: 300_000 }, async (t) => {
    const destination = { id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'agent-key', weight: 100, options: { baseUrl: `${fake.url}/v1` } };
    await putEndpoint(stack, { name: 'agent', kind: 'chat', destinations: [destination], runs: { header: RUN_HEADER }, enabled: false });
    for (const [name, unit, limit] of [
      ['run-dollars', 'usd', 0.5],
      ['run-calls', 'calls', 40],
    ] as const) {
      const res = await stack.api('POST', '/api/v1/budgets', { name, unit, limit, action: 'reject', scope: { type: 'run', endpoint: 'agent' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    await putEndpoint(stack, { name: 'agent', kind: 'chat', destinations: [destination], runs: { header: RUN_HEADER } });
    await waitFor('agent served', async () => ((await fetch(`${stack.openaiBaseUrl}/models/agent`)).status === 200 ? true : undefined));

    alwaysCallTheTool(100);
    const before = providerCalls();
    const runId = `agents-sdk-${randomBytes(4).toString('hex')}`;
    const result = await runAgent({ framework: 'agents-sdk', base_url: stack.openaiBaseUrl, model: 'agent', run_header: RUN_HEADER, run_id: runId });
    t.diagnostic(`Agents SDK: ${result.tool_calls} tool calls, ${providerCalls() - before} model calls, then: ${result.error}`);

    assert.equal(providerCalls() - before, 40, 'exactly the 40 calls of the run reached the model');
    assert.equal(result.tool_calls, 40, 'the tool ran after every admitted call');
    assert.match(result.error ?? '', /^RateLimitError: /, 'raised to the agent as the OpenAI SDK raises a 429');
    assert.equal(result.code, 'run_call_limit_exceeded');
    assert.match(result.error ?? '', new RegExp(`Run '${runId}' reached its call limit: budget 'run-calls' allows 40 model calls per run, 0 left`));

    const traces = await runTraces(runId, 41);
    assert.equal(traces.filter((tr) => tr.status === 200).length, 40);
    const refused = traces.filter((tr) => tr.status === 429);
    assert.equal(refused.length, 1, 'x-should-retry: false kept the SDK from retrying');
    assert.equal(refused[0]!.errorCode, 'run_call_limit_exceeded');
    fake.clear();
  });

  it('Google ADK on LiteLLM: the loop breaker (15 calls per 10 minutes per run) stops the agent with loop_detected', { timeout: 300_000 }, async (t) => {
    await putEndpoint(stack, {
      name: 'adk-loop',
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'agent-key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
      runs: { header: RUN_HEADER },
      loopBreaker: { maxRepeats: 3, maxCalls: 15, callWindowSeconds: 600 },
    });
    await waitFor('adk-loop served', async () => ((await fetch(`${stack.openaiBaseUrl}/models/adk-loop`)).status === 200 ? true : undefined));

    alwaysCallTheTool(100);
    const before = providerCalls();
    const runId = `adk-${randomBytes(4).toString('hex')}`;
    const result = await runAgent({ framework: 'adk', base_url: stack.openaiBaseUrl, model: 'adk-loop', run_header: RUN_HEADER, run_id: runId });
    t.diagnostic(`ADK: ${result.tool_calls} tool calls, ${providerCalls() - before} model calls, then: ${result.error}`);

    assert.equal(providerCalls() - before, 15, 'exactly 15 calls of the run reached the model');
    assert.equal(result.tool_calls, 15);
    assert.match(result.error ?? '', /RateLimitError/);
    assert.match(result.error ?? '', /loop_detected|Loop detected/);
    assert.match(result.error ?? '', new RegExp(`run '${runId}' made 15 calls in the loop breaker's window`));

    const traces = await runTraces(runId, 16);
    assert.equal(traces.filter((tr) => tr.status === 200).length, 15);
    const refused = traces.filter((tr) => tr.status === 429);
    assert.ok(refused.length >= 1 && refused.every((tr) => tr.errorCode === 'loop_detected'));
    t.diagnostic(`ADK: ${refused.length} refused call(s) reached the gateway`);
    fake.clear();
  });
});
