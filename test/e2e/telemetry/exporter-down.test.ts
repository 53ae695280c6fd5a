// An exporter whose backend accepts connections and never answers, set up
// the way an operator without the control plane would (the standard
// OTEL_EXPORTER_OTLP_* variables on the plugin server, a small queue): every
// request is still answered, and the spans that could not be kept are
// counted and reach the control plane's /metrics. (Latency with the exporter
// up, down and off is measured by `npm run bench`, scenario otel-exporter.)
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../../fake-providers/openai';
import type { FakeProvider } from '../../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../stack';

let stack: Stack;
let provider: FakeProvider;
const sockets = new Set<Socket>();
const blackhole = createServer((s) => {
  sockets.add(s);
  s.on('error', () => undefined);
});

before(async () => {
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  const port = (blackhole.address() as AddressInfo).port;
  [stack, provider] = await Promise.all([
    startStack({
      pluginEnv: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
        OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
        OTEL_BSP_MAX_QUEUE_SIZE: '10',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LLM_GATEWAY_TELEMETRY_REPORT_MS: '500',
      },
    }),
    startFakeOpenAI({ apiKey: 'oai-key' }),
  ]);
  await createSecret(stack, 'oai', 'openai', { apiKey: 'oai-key' });
  await putEndpoint(stack, {
    name: 'chat',
    kind: 'chat',
    destinations: [{ id: 'main', provider: 'openai', model: 'gpt-4o-mini', secret: 'oai', weight: 100, options: { baseUrl: `${provider.url}/v1` } }],
  });
});

after(async () => {
  await stack?.close();
  await provider?.close();
  for (const s of sockets) s.destroy();
  blackhole.close();
});

test('a backend that never answers costs requests nothing; the lost spans are counted on /metrics', { timeout: 180_000 }, async () => {
  const client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'unused', maxRetries: 0 });
  await waitFor('the endpoint', async () => ((await client.models.list().catch(() => undefined))?.data.length ? true : undefined), 120_000, 250);
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: `hello ${i}` }] })),
  );
  assert.equal(answers.length, 30);
  for (const [i, a] of answers.entries()) assert.match(a.choices[0]!.message.content ?? '', new RegExp(`hello ${i}`));
  // 60 spans (a request span and an attempt span each) against a queue of 10 that never drains: most are dropped
  // at once; the ones handed to the exporter are lost when their exports time out.
  const dropped = await waitFor(
    'the dropped spans on /metrics',
    async () => {
      const res = await fetch(`${stack.controlPlane.url}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
      const m = /llm_gateway_otel_spans_dropped_total\{exporter="OTEL_EXPORTER_OTLP_\* environment"\} (\d+)/.exec(await res.text());
      return m && Number(m[1]) === 60 ? Number(m[1]) : undefined;
    },
    120_000,
    500,
  );
  assert.equal(dropped, 60, 'every span accounted for: none exported, all counted as dropped');
  assert.ok(sockets.size > 0, 'the exporter did try the backend');
});
