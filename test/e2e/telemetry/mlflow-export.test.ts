// The gateway's OpenTelemetry spans in a real MLflow tracking server: one
// exporter configured with one control-plane API call, requests through the
// full stack (Kong driver, plugin server, fake providers), then read back
// through MLflow's own tracing API: the span tree of a fallback, the GenAI
// attributes, tokens and cost equal to the gateway's own trace, the span id
// the provider saw, content only where the endpoint logs payloads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Trace } from '../../../plugin/contract';
import { startFakeAnthropic } from '../../fake-providers/anthropic';
import { startFakeOpenAI } from '../../fake-providers/openai';
import type { FakeProvider } from '../../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../stack';
import { mlflowInstalled, startMlflowServer, type MlflowServer, type MlflowSpan, type MlflowTrace } from './mlflow-server';

const skip = !mlflowInstalled() && !process.env.CI ? 'MLflow is not installed: run scripts/telemetry-env.sh' : false;

let stack: Stack;
let mlflow: MlflowServer;
let primary: FakeProvider; // Anthropic, fails first
let backup: FakeProvider; // OpenAI
let client: OpenAI;
let experiment: string;

before(async () => {
  if (skip) return;
  [stack, mlflow, primary, backup] = await Promise.all([
    startStack(),
    startMlflowServer(),
    startFakeAnthropic({ apiKey: 'ant-key' }),
    startFakeOpenAI({ apiKey: 'oai-key' }),
  ]);
  experiment = await mlflow.createExperiment('gateway');
  // What a user does: one API call points every data plane at MLflow.
  const created = await stack.api('POST', '/api/v1/telemetry/exporters', {
    name: 'mlflow',
    url: mlflow.otlpUrl,
    headers: { 'x-mlflow-experiment-id': experiment },
    content: true,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await createSecret(stack, 'ant', 'anthropic', { apiKey: 'ant-key' });
  await createSecret(stack, 'oai', 'openai', { apiKey: 'oai-key' });
  const destinations = [
    { id: 'primary', provider: 'anthropic', model: 'claude-sonnet-4-5', secret: 'ant', weight: 100, options: { baseUrl: primary.url } },
    { id: 'backup', provider: 'openai', model: 'gpt-4o-mini', secret: 'oai', weight: 0, options: { baseUrl: `${backup.url}/v1` } },
  ];
  await putEndpoint(stack, { name: 'agent-chat', kind: 'chat', destinations, fallback: { chain: ['backup'], maxAttempts: 2 }, logPayloads: true });
  await putEndpoint(stack, { name: 'quiet-chat', kind: 'chat', destinations, fallback: { chain: ['backup'], maxAttempts: 2 } });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0 });
  // A loaded machine can take a while to start the data plane: 503 config_unavailable until then.
  await waitFor('the endpoints', async () => ((await client.models.list().catch(() => undefined))?.data.length === 2 ? true : undefined), 120_000, 250);
});

after(async () => {
  await stack?.close();
  await Promise.all([mlflow?.close(), primary?.close(), backup?.close()]);
});

async function gatewayTrace(id: string): Promise<Trace> {
  return waitFor(
    'the gateway trace',
    async () => {
      const res = await stack.api<Trace>('GET', `/api/v1/traces/${id}`);
      return res.status === 200 ? res.body : undefined;
    },
    60_000,
  );
}

async function mlflowTrace(hexTraceId: string, spans: number): Promise<MlflowTrace> {
  return waitFor(
    `MLflow trace ${hexTraceId} with ${spans} spans`,
    async () => {
      const found = mlflow.traces(experiment).find((t) => t.spans.some((s) => s.trace_id.endsWith(hexTraceId)) || t.trace_id.endsWith(hexTraceId));
      return found && found.spans.length >= spans ? found : undefined;
    },
    120_000,
    1_000,
  );
}

const attr = (span: MlflowSpan, key: string) => span.attributes[key];

test("a fallback shows in MLflow as the request span with one span per attempt, joined to the caller's trace", { skip, timeout: 300_000 }, async () => {
  primary.enqueue({ kind: 'status', status: 500, message: 'overloaded' });
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const { data, response } = await client.chat.completions
    .create(
      { model: 'agent-chat', messages: [{ role: 'user', content: 'what is the weather in Paris?' }], max_tokens: 50, temperature: 0.3 },
      { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } },
    )
    .withResponse();
  assert.match(data.choices[0]!.message.content ?? '', /weather in Paris/);
  const requestId = response.headers.get('x-request-id')!;
  const trace = await gatewayTrace(requestId);
  assert.equal(trace.attempts.length, 2);
  assert.ok(trace.usage && trace.costUsd !== undefined);
  assert.equal(Number(response.headers.get('x-gateway-cost-usd')), Number(trace.costUsd.toFixed(8)), "the cost header is the trace's cost");

  const got = await mlflowTrace(callerTrace, 3);
  const gatewaySpanId = backup.requests.at(-1)!.headers.traceparent!.toString().split('-')[2]!;
  const request = got.spans.find((s) => s.name === 'chat agent-chat')!;
  assert.ok(request, `spans: ${got.spans.map((s) => s.name).join(', ')}`);
  // Hex span ids: MLflow keeps OpenTelemetry's ids.
  assert.equal(request.span_id, gatewaySpanId, 'the request span is the span the provider saw as its parent');
  assert.equal(request.parent_id, callerSpan, "the request span is a child of the caller's span");
  const attempts = got.spans.filter((s) => s.parent_id === request.span_id).sort((a, b) => a.start_time_ns - b.start_time_ns);
  assert.deepEqual(
    attempts.map((s) => s.name),
    ['chat claude-sonnet-4-5', 'chat gpt-4o-mini'],
  );

  // The request span: GenAI conventions and the gateway's own attributes, equal to the gateway's trace.
  assert.equal(attr(request, 'gen_ai.operation.name'), 'chat');
  assert.equal(attr(request, 'gen_ai.request.model'), 'agent-chat');
  assert.equal(attr(request, 'gen_ai.response.model'), 'gpt-4o-mini');
  assert.equal(attr(request, 'gen_ai.provider.name'), 'openai');
  assert.equal(attr(request, 'gen_ai.request.max_tokens'), 50);
  assert.equal(attr(request, 'gen_ai.request.temperature'), 0.3);
  assert.deepEqual(attr(request, 'gen_ai.response.finish_reasons'), ['stop']);
  assert.equal(attr(request, 'gen_ai.usage.input_tokens'), trace.usage.promptTokens);
  assert.equal(attr(request, 'gen_ai.usage.output_tokens'), trace.usage.completionTokens);
  assert.equal(attr(request, 'llm_gateway.cost_usd'), trace.costUsd);
  assert.equal(attr(request, 'llm_gateway.request_id'), requestId);
  assert.equal(attr(request, 'llm_gateway.endpoint'), 'agent-chat');
  assert.equal(attr(request, 'llm_gateway.destination'), 'backup');
  assert.equal(attr(request, 'llm_gateway.attempts'), 2);
  assert.equal(attr(request, 'llm_gateway.overhead_ms'), trace.overheadMs);
  assert.equal(attr(request, 'http.response.status_code'), 200);
  assert.equal(request.span_type, 'CHAT_MODEL', 'MLflow reads the GenAI operation name');
  // MLflow adds the tokens up once (the attempt span below carries them too).
  assert.equal(got.token_usage?.input_tokens, trace.usage.promptTokens);
  assert.equal(got.token_usage?.output_tokens, trace.usage.completionTokens);

  // Content (this endpoint logs payloads; the exporter has content on): input and output messages.
  // MLflow hands JSON-valued attributes back decoded.
  const input = attr(request, 'gen_ai.input.messages') as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
  assert.deepEqual(input, [{ role: 'user', parts: [{ type: 'text', content: 'what is the weather in Paris?' }] }]);
  assert.match(JSON.stringify(attr(request, 'gen_ai.output.messages')), /weather in Paris/);
  assert.ok(request.events.some((e) => e.name === 'gen_ai.client.inference.operation.details'));

  // The failed attempt, then the fallback that served.
  const [failed, served] = attempts as [MlflowSpan, MlflowSpan];
  assert.equal(attr(failed, 'gen_ai.provider.name'), 'anthropic');
  assert.equal(attr(failed, 'llm_gateway.attempt'), 1);
  assert.equal(attr(failed, 'llm_gateway.destination'), 'primary');
  assert.equal(attr(failed, 'http.response.status_code'), 500);
  assert.equal(attr(failed, 'error.type'), trace.attempts[0]!.error!.type);
  assert.match(failed.status, /ERROR/);
  assert.equal(attr(served, 'llm_gateway.attempt'), 2);
  assert.equal(attr(served, 'llm_gateway.fallback_reason'), trace.attempts[0]!.error!.type);
  assert.equal(attr(served, 'gen_ai.usage.output_tokens'), trace.usage.completionTokens);
  assert.equal(attr(served, 'llm_gateway.cost_usd'), trace.costUsd);
  // Real times: the attempts run one after the other, inside the request.
  assert.ok(failed.start_time_ns >= request.start_time_ns && served.end_time_ns <= request.end_time_ns + 1_000_000);
  assert.ok(served.start_time_ns >= failed.end_time_ns, 'the fallback starts after the failed attempt ended');
});

test(
  'a stream without a traceparent is a trace of its own, found by its request id; no content where payloads are not logged',
  { skip, timeout: 300_000 },
  async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'quiet-chat', messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let usageChunk: unknown;
    for await (const chunk of data) if (chunk.usage) usageChunk = chunk.usage;
    assert.ok(usageChunk);
    assert.equal(response.headers.get('x-gateway-cost-usd'), null, "a stream's cost is not known when its headers go out");
    const requestId = response.headers.get('x-request-id')!;
    const trace = await gatewayTrace(requestId);
    // Its cost arrives at the end of the stream, as an SSE comment (SDKs skip comments; the bytes show it).
    const raw = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'quiet-chat', messages: [{ role: 'user', content: 'stream please' }], stream: true }),
    });
    const text = await raw.text();
    const rawTrace = await gatewayTrace(raw.headers.get('x-request-id')!);
    assert.match(text, new RegExp(`\\n: x-gateway-cost-usd ${rawTrace.costUsd!.toFixed(8)}\\n\\ndata: \\[DONE\\]`));
    const got = await mlflowTrace(requestId.replace(/-/g, ''), 2);
    const request = got.spans.find((s) => s.name === 'chat quiet-chat')!;
    assert.equal(request.parent_id, null, 'a root span');
    assert.equal(attr(request, 'gen_ai.request.stream'), true);
    assert.equal(attr(request, 'llm_gateway.ttft_ms'), trace.ttftMs);
    assert.equal(attr(request, 'gen_ai.usage.output_tokens'), trace.usage!.completionTokens);
    assert.equal(attr(request, 'gen_ai.input.messages'), undefined, 'no content from an endpoint without logPayloads');
    assert.deepEqual(request.events, []);
  },
);
