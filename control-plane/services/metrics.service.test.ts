import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trace } from '../../plugin/contract';
import { MetricsService } from './metrics.service';

/** Random traffic over a few label values, so that a batch repeats label sets and mixes them. */
function randomTraces(n: number, seed: number): Trace[] {
  let s = seed;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i): Trace => {
    const status = pick([200, 200, 200, 429, 502]);
    const provider = status === 200 ? pick(['openai', 'anthropic'] as const) : undefined;
    return {
      id: `t${seed}-${i}`,
      time: new Date(0).toISOString(),
      endpoint: pick(['chat', 'agent', 'embed']),
      kind: 'chat',
      user: 'u',
      ingress: pick(['openai', 'responses'] as const),
      stream: false,
      status,
      ...(status === 429 ? { errorCode: pick(['budget_exceeded', 'loop_detected', 'something_else']) } : {}),
      ...(provider
        ? { provider, model: 'm', usage: { promptTokens: 1 + Math.floor(r() * 9), completionTokens: Math.floor(r() * 5), totalTokens: 0 }, costUsd: 0.25 }
        : {}),
      attempts:
        status === 429
          ? []
          : [{ destinationId: 'd', provider: provider ?? 'openai', model: pick(['m', 'n']), status: status === 502 ? null : status, latencyMs: 1 }],
      latencyMs: 1 + Math.floor(r() * 200),
      overheadMs: 1,
    };
  });
}

/** The counters' samples: `name{labels} value` lines of the exposition. */
async function samples(m: MetricsService): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await m.text()).split('\n')) {
    const match = /^(\w+)(\{.*\})? (\S+)$/.exec(line);
    if (match && !line.startsWith('#')) out.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return out;
}

test('metrics of traces observed in batches equal a trace-by-trace recount', async () => {
  const traces = randomTraces(600, 7);
  const batched = new MetricsService();
  for (let i = 0; i < traces.length;) {
    const size = 1 + ((i * 37) % 150);
    batched.observe(traces.slice(i, i + size));
    i += size;
  }
  const got = await samples(batched);

  const requests = new Map<string, number>();
  const promptTokens = new Map<string, number>();
  const refusals = new Map<string, number>();
  for (const t of traces) {
    const provider = t.provider ?? 'none';
    const key = `llm_gateway_requests_total{endpoint="${t.endpoint}",provider="${provider}",api="${t.ingress}",status="${t.status}"}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (t.usage) {
      const k = `llm_gateway_tokens_total{endpoint="${t.endpoint}",provider="${provider}",direction="prompt"}`;
      promptTokens.set(k, (promptTokens.get(k) ?? 0) + t.usage.promptTokens);
    }
    if (t.errorCode === 'budget_exceeded' || t.errorCode === 'loop_detected') {
      const k = `llm_gateway_refusals_total{endpoint="${t.endpoint}",code="${t.errorCode}"}`;
      refusals.set(k, (refusals.get(k) ?? 0) + 1);
    }
  }
  for (const expected of [requests, promptTokens, refusals]) {
    assert.ok(expected.size > 3);
    for (const [key, n] of expected) assert.equal(got.get(key), n, key);
  }
  const servedCost = traces.filter((t) => t.costUsd).length * 0.25;
  const costs = [...got].filter(([k]) => k.startsWith('llm_gateway_cost_usd_total')).reduce((sum, [, v]) => sum + v, 0);
  assert.equal(costs, servedCost);
  const durations = [...got].filter(([k]) => k.startsWith('llm_gateway_request_duration_seconds_count')).reduce((sum, [, v]) => sum + v, 0);
  assert.equal(durations, traces.length);
  // No label set counted that the traffic does not have.
  assert.equal([...got.keys()].filter((k) => k.startsWith('llm_gateway_requests_total{')).length, requests.size);
});
