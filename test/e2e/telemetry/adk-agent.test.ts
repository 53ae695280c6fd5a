// The seed's use case end to end: a Google ADK agent (traced with
// OpenTelemetry into MLflow, as MLflow's ADK guide sets it up) calls the
// gateway through LiteLLM; the gateway exports its spans to the same MLflow
// experiment. In MLflow the agent's one trace holds the agent's turn, ADK's
// model calls (generate_content), and under each the gateway's request span with its
// provider attempts (a fallback included).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeAnthropic } from '../../fake-providers/anthropic';
import { startFakeOpenAI } from '../../fake-providers/openai';
import type { FakeProvider } from '../../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../stack';
import { mlflowInstalled, startMlflowServer, type MlflowServer, type MlflowSpan, type MlflowTrace } from './mlflow-server';

const ROOT = path.resolve(__dirname, '../../..');
const AGENT_PYTHON = path.join(ROOT, '.cache/venv-otel-agent/bin/python');
const installed = mlflowInstalled() && fs.existsSync(AGENT_PYTHON);
const skip = !installed && !process.env.CI ? 'MLflow or the ADK agent env is not installed: run scripts/telemetry-env.sh' : false;

let stack: Stack;
let mlflow: MlflowServer;
let primary: FakeProvider;
let backup: FakeProvider;
let experiment: string;

before(async () => {
  if (skip) return;
  [stack, mlflow, primary, backup] = await Promise.all([
    startStack(),
    startMlflowServer(),
    startFakeAnthropic({ apiKey: 'ant-key' }),
    startFakeOpenAI({ apiKey: 'oai-key' }),
  ]);
  experiment = await mlflow.createExperiment('adk-agent');
  const created = await stack.api('POST', '/api/v1/telemetry/exporters', {
    name: 'mlflow',
    url: mlflow.otlpUrl,
    headers: { 'x-mlflow-experiment-id': experiment },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await createSecret(stack, 'ant', 'anthropic', { apiKey: 'ant-key' });
  await createSecret(stack, 'oai', 'openai', { apiKey: 'oai-key' });
  await putEndpoint(stack, {
    name: 'agent-chat',
    kind: 'chat',
    destinations: [
      { id: 'primary', provider: 'anthropic', model: 'claude-sonnet-4-5', secret: 'ant', weight: 100, options: { baseUrl: primary.url } },
      { id: 'backup', provider: 'openai', model: 'gpt-4o-mini', secret: 'oai', weight: 0, options: { baseUrl: `${backup.url}/v1` } },
    ],
    fallback: { chain: ['backup'], maxAttempts: 2 },
  });
  await waitFor(
    'the endpoint',
    async () => {
      const res = await fetch(`${stack.openaiBaseUrl}/models/agent-chat`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    120_000,
    250,
  );
});

after(async () => {
  await stack?.close();
  await Promise.all([mlflow?.close(), primary?.close(), backup?.close()]);
});

function runAgent(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(AGENT_PYTHON, ['-u', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // LiteLLM: its bundled price map (no download at import), no telemetry of its own.
      env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_TELEMETRY: 'False', NO_PROXY: '*', no_proxy: '*' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 420_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The span and its ancestors, nearest first. */
function ancestors(trace: MlflowTrace, span: MlflowSpan): MlflowSpan[] {
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  const chain: MlflowSpan[] = [];
  for (let s = span.parent_id ? byId.get(span.parent_id) : undefined; s; s = s.parent_id ? byId.get(s.parent_id) : undefined) chain.push(s);
  return chain;
}

/** The span tree as indented names (for failure messages and the report). */
export function treeOf(trace: MlflowTrace): string {
  const children = new Map<string | null, MlflowSpan[]>();
  const ids = new Set(trace.spans.map((s) => s.span_id));
  for (const s of trace.spans) {
    const parent = s.parent_id && ids.has(s.parent_id) ? s.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => a.start_time_ns - b.start_time_ns)) {
      lines.push(`${'  '.repeat(depth)}${s.name}`);
      walk(s.span_id, depth + 1);
    }
  };
  walk(null, 0);
  return lines.join('\n');
}

test("one MLflow trace from the agent's turn down to each provider attempt", { skip, timeout: 900_000 }, async () => {
  primary.enqueue({ kind: 'status', status: 500, message: 'overloaded' });
  backup.enqueue({ kind: 'ok', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
  // Asynchronously: the fake providers answer from this process's event loop.
  const run = await runAgent([path.join(__dirname, 'adk_agent_traced.py'), stack.openaiBaseUrl, 'agent-chat', mlflow.url, experiment]);
  assert.equal(run.code, 0, `agent failed (${run.code}): ${run.stderr.slice(-3000)}`);
  const agent = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { trace_id: string; answer: string; tool_calls: string[] };
  assert.deepEqual(agent.tool_calls, ['Paris'], 'the agent called its tool with what the model asked for');
  assert.ok(agent.answer.length > 0);
  // The provider saw the agent's trace id in its traceparent.
  assert.equal(backup.requests.at(-1)!.headers.traceparent?.toString().split('-')[1], agent.trace_id);

  const trace = await waitFor(
    'the agent trace with the gateway spans',
    async () => {
      const t = mlflow.traces(experiment).find((x) => x.spans.some((s) => s.trace_id.endsWith(agent.trace_id)));
      return t && t.spans.filter((s) => s.name === 'chat agent-chat').length === 2 && t.spans.some((s) => s.name === 'agent turn') ? t : undefined;
    },
    180_000,
    2_000,
  );
  const tree = treeOf(trace);
  if (process.env.OTEL_TREE_OUT) fs.writeFileSync(process.env.OTEL_TREE_OUT, tree);
  const requests = trace.spans.filter((s) => s.name === 'chat agent-chat').sort((a, b) => a.start_time_ns - b.start_time_ns);
  for (const request of requests) {
    // Nearest first: the HTTP client span that sent the traceparent, ADK's model call, the agent, the turn.
    const chain = ancestors(trace, request).map((s) => s.name);
    assert.deepEqual(
      chain,
      ['POST', 'generate_content openai/agent-chat', 'invoke_agent weather_agent', 'invoke_workflow weather_agent', 'agent turn'],
      `the gateway span hangs under ADK's model call:\n${tree}`,
    );
  }
  const attemptsOf = (request: MlflowSpan) =>
    trace.spans
      .filter((s) => s.parent_id === request.span_id)
      .sort((a, b) => a.start_time_ns - b.start_time_ns)
      .map((s) => `${s.name} #${String(s.attributes['llm_gateway.attempt'])}`);
  assert.deepEqual(attemptsOf(requests[0]!), ['chat claude-sonnet-4-5 #1', 'chat gpt-4o-mini #2'], tree);
  assert.deepEqual(attemptsOf(requests[1]!), ['chat claude-sonnet-4-5 #1'], tree);
  assert.deepEqual(requests[0]!.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  assert.ok(Number(requests[1]!.attributes['gen_ai.usage.output_tokens']) > 0);
});
