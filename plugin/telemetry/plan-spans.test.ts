import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trace } from '../contract';
import { planSpans, type FinishedRequest } from './plan-spans';

const trace = (over: Partial<Trace> = {}): Trace => ({
  id: '2f1c6a50-7d1e-4a7b-9c1e-2b3c4d5e6f70',
  time: '2026-12-01T10:00:00.000Z',
  endpoint: 'chat',
  kind: 'chat',
  user: 'alice',
  ingress: 'openai',
  stream: false,
  status: 200,
  provider: 'bedrock',
  model: 'anthropic.claude-3-5-sonnet',
  attempts: [
    {
      destinationId: 'a',
      provider: 'azure-openai',
      model: 'gpt-4o',
      status: 429,
      startOffsetMs: 1.5,
      latencyMs: 10,
      error: { type: 'rate_limited', message: 'slow down' },
    },
    { destinationId: 'b', provider: 'bedrock', model: 'anthropic.claude-3-5-sonnet', status: 200, startOffsetMs: 12, latencyMs: 80 },
  ],
  usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 4, reasoningTokens: 2 },
  costUsd: 0.000123,
  latencyMs: 95,
  overheadMs: 3.2,
  budget: { reservedUsd: 0.01, reservedTokens: 500, chargedUsd: 0.000123, chargedTokens: 17 },
  request: JSON.stringify({
    model: 'chat',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ],
  }),
  response: JSON.stringify({
    choices: [
      {
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
  }),
  ...over,
});

const req = (t: Trace, over: Partial<FinishedRequest> = {}): FinishedRequest => ({
  trace: t,
  startMs: 1_000_000,
  params: { maxTokens: 64, temperature: 0.2 },
  finishReasons: ['tool_calls'],
  logPayloads: true,
  ...over,
});

test("the request span: GenAI names (well-known provider values), tokens with cache and reasoning, the gateway's attributes", () => {
  const { request } = planSpans(req(trace()), false);
  assert.equal(request.name, 'chat chat');
  assert.equal(request.kind, 'server');
  assert.equal(request.startMs, 1_000_000);
  assert.equal(request.endMs, 1_000_095);
  assert.equal(request.attributes['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(request.attributes['gen_ai.request.model'], 'chat');
  assert.equal(request.attributes['gen_ai.response.model'], 'anthropic.claude-3-5-sonnet');
  assert.equal(request.attributes['gen_ai.usage.cache_read.input_tokens'], 4);
  assert.equal(request.attributes['gen_ai.usage.reasoning.output_tokens'], 2);
  assert.equal(request.attributes['gen_ai.request.max_tokens'], 64);
  assert.equal(request.attributes['llm_gateway.budget.reserved_usd'], 0.01);
  assert.equal(request.attributes['llm_gateway.destination'], 'b');
  assert.equal(request.attributes['gen_ai.input.messages'], undefined, 'no content unless the exporter asks');
  assert.equal(request.error, undefined);
});

test('attempt spans: placed at their real offsets, the retry reason on the next one, the failure as an error', () => {
  const { attempts } = planSpans(req(trace()), false);
  const [first, second] = attempts as [NonNullable<(typeof attempts)[0]>, NonNullable<(typeof attempts)[0]>];
  assert.deepEqual([first.startMs, first.endMs, second.startMs, second.endMs], [1_000_001.5, 1_000_011.5, 1_000_012, 1_000_092]);
  assert.equal(first.attributes['gen_ai.provider.name'], 'azure.ai.openai');
  assert.equal(first.attributes['error.type'], 'rate_limited');
  assert.equal(first.error, 'slow down');
  assert.equal(first.attributes['gen_ai.usage.input_tokens'], undefined, 'tokens belong to the attempt that served');
  assert.equal(second.attributes['llm_gateway.fallback_reason'], 'rate_limited');
  assert.equal(second.attributes['gen_ai.usage.output_tokens'], 5);
  assert.equal(second.attributes['llm_gateway.attempt'], 2);
});

test("content as the conventions' message JSON, on the span and as the event; a payload cut at the cap stays text", () => {
  const { request } = planSpans(req(trace()), true);
  assert.deepEqual(JSON.parse(String(request.attributes['gen_ai.input.messages'])), [
    { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
    { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
  ]);
  assert.deepEqual(JSON.parse(String(request.attributes['gen_ai.output.messages'])), [
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: { x: 1 } }], finish_reason: 'tool_calls' },
  ]);
  assert.equal(request.events[0]!.name, 'gen_ai.client.inference.operation.details');
  const cut = planSpans(req(trace({ request: '{"messages":[{"role":"user","content":"abc…[truncated 9 chars]', response: 'streamed text' })), true).request;
  assert.match(String(cut.attributes['gen_ai.input.messages']), /truncated 9 chars/);
  assert.deepEqual(JSON.parse(String(cut.attributes['gen_ai.output.messages'])), [{ role: 'assistant', parts: [{ type: 'text', content: 'streamed text' }] }]);
  assert.equal(planSpans(req(trace(), { logPayloads: false }), true).request.attributes['gen_ai.input.messages'], undefined);
});

test('a request no provider answered: no provider attributes, a 5xx is an error, a refusal (429) is not', () => {
  const failed = planSpans(req(trace({ provider: undefined, model: undefined, status: 502, errorCode: 'upstream_error', usage: undefined })), false).request;
  assert.equal(failed.attributes['gen_ai.provider.name'], undefined);
  assert.equal(failed.attributes['error.type'], 'upstream_error');
  assert.equal(failed.error, 'upstream_error');
  const refused = planSpans(req(trace({ provider: undefined, status: 429, errorCode: 'budget_exceeded', attempts: [] })), false);
  assert.equal(refused.request.error, undefined);
  assert.equal(refused.request.attributes['error.type'], 'budget_exceeded');
  assert.deepEqual(refused.attempts, []);
});

test('governance on the request span: the run, and a shadow pair linked both ways', () => {
  const primary = planSpans(req(trace({ runId: 'run-7', shadowTraceId: 'shadow-1' })), false).request.attributes;
  assert.deepEqual(
    [primary['llm_gateway.run_id'], primary['llm_gateway.shadow_request_id'], primary['llm_gateway.shadow_of']],
    ['run-7', 'shadow-1', undefined],
  );
  const shadow = planSpans(req(trace({ id: 'shadow-1', runId: 'run-7', shadowOf: '2f1c6a50-7d1e-4a7b-9c1e-2b3c4d5e6f70' })), false).request.attributes;
  assert.equal(shadow['llm_gateway.shadow_of'], '2f1c6a50-7d1e-4a7b-9c1e-2b3c4d5e6f70');
  assert.equal(shadow['llm_gateway.shadow_request_id'], undefined);
});
