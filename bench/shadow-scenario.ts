// Client latency with shadow traffic on vs off (issue 16): the same request
// to two endpoints that differ only in a shadow at 100 % (every request also
// sent to a shadow destination, the same fake provider, after the answer).
// Rounds alternate off/on so drift hits both alike; added = on - off.
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../test/e2e/stack';
import type { LoadResult } from './client-worker';
import { percentiles } from './lib';
import type { Profile } from './scenarios';
import { CHAT_BODY, type Env } from './setup';

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-client' };
const ROUNDS = 2;

export async function shadowLatency(env: Env, p: Profile, log: (s: string) => void) {
  const destination = { id: 'oai', provider: 'openai', model: 'bench', secret: 'bench-openai', weight: 100, options: { baseUrl: `${env.fake.url}/v1` } };
  const shadow = {
    destination: { provider: 'openai', model: 'bench', secret: 'bench-openai', options: { baseUrl: `${env.fake.url}/v1` } },
    percent: 100,
    maxConcurrent: 256,
  };
  for (const [name, extra] of [
    ['bench-shadow-off', {}],
    ['bench-shadow-on', { shadow }],
  ] as const) {
    const res = await env.stack.api('POST', '/api/v1/endpoints', { name, kind: 'chat', destinations: [destination], ...extra });
    if (res.status !== 201 && res.status !== 409) throw new Error(`endpoint ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await waitFor(
    'shadow bench endpoints',
    async () => ((await fetch(`${env.stack.openaiBaseUrl}/models/bench-shadow-on`)).status === 200 ? true : undefined),
    20_000,
  );
  const load = (model: string, connections: number, durationS: number) =>
    env.client.run<LoadResult>({
      type: 'load',
      url: `${env.stack.openaiBaseUrl}/chat/completions`,
      body: CHAT_BODY(model),
      headers: HEADERS,
      connections,
      durationS,
    });

  const runs: Array<Record<string, unknown>> = [];
  const concurrencies = p.concurrencies.filter((c) => c <= 50);
  for (const c of concurrencies) {
    const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const requests = { off: 0, on: 0 };
    const non2xx = { off: 0, on: 0 };
    for (const which of ['off', 'on'] as const) await load(`bench-shadow-${which}`, c, p.warmupS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const r = await load(`bench-shadow-${which}`, c, p.measureS / ROUNDS);
        samples[which].push(...r.latenciesMs);
        requests[which] += r.requests;
        non2xx[which] += Object.entries(r.statuses).reduce((n, [s, k]) => (s.startsWith('2') ? n : n + k), 0);
        await sleep(200); // let the shadow calls of the last round drain
      }
    }
    const off = percentiles(samples.off);
    const on = percentiles(samples.on);
    const added = { p50: on.p50 - off.p50, p90: on.p90 - off.p90, p99: on.p99 - off.p99 };
    runs.push({ concurrency: c, requests, non2xx, latencyMs: { off, on }, addedMs: added });
    log(
      `  c=${c} shadow off p50 ${off.p50.toFixed(2)} p99 ${off.p99.toFixed(2)} | on p50 ${on.p50.toFixed(2)} p99 ${on.p99.toFixed(2)} ms (added p50 ${added.p50.toFixed(2)}, p99 ${added.p99.toFixed(2)})`,
    );
  }
  const shadowTraces = await waitFor(
    'shadow traces stored',
    async () => {
      const n = await env.stack.countTraces('bench-shadow-on');
      return n > 0 ? n : undefined;
    },
    20_000,
  ).catch(() => 0);
  return {
    description:
      'Client-observed latency through the gateway, non-streaming, fake provider answering after its fixed delay; "on": the endpoint shadows 100 % of requests to a second destination (the same fake) after each answer, "off": the same endpoint without shadow. Rounds alternate off/on; added = on - off.',
    runs,
    tracesOfShadowedEndpoint: shadowTraces,
  };
}
