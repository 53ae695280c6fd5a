// The cost of budget enforcement per request (not a timed test):
//   node dist/bench/budget-bench.js   (after npm run build)  -> bench/results/budget.json
// One control plane (on FerretDB unless MONGODB_URI is set), a zero-delay fake
// OpenAI, and two Kong nodes (driver + real kong-js-pluginserver): node
// "slices" with local slices on, node "direct" with LLM_GATEWAY_BUDGET_SLICES=off
// (every request reserves and settles at the control plane). Each node serves
// an endpoint without budget and one with a USD budget large enough never to
// run out; and two endpoints for agent runs (every request names its run, a
// new run every RUN_LENGTH requests of a client): "run" under a run-scoped
// calls budget, "run-loop" also under the loop breaker. Added latency =
// client-observed latency with the budget minus without it, on the same node,
// sequential and with 16 clients.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { parse } from 'yaml';
import { loadConfig } from '../control-plane/config';
import { signToken } from '../control-plane/middleware/verify-token';
import { startControlPlane } from '../control-plane/server';
import { startFerretDB } from '../control-plane/loaders/ferretdb';
import { startKongDriver, type KongDriver } from '../local/kong-driver/gateway';
import { startFakeOpenAI } from '../test/fake-providers/openai';
import { machine, percentiles, round, writeResult, type Percentiles } from './lib';

const ROOT = path.resolve(__dirname, '../..');
const REQUESTS = Number(process.env.BUDGET_BENCH_REQUESTS ?? 2000);
const WARMUP = 200;
/** Requests per agent run (each client starts a new run after this many). */
const RUN_LENGTH = 20;
const MODELS = ['free', 'budgeted', 'run', 'run-loop'] as const;
type Model = (typeof MODELS)[number];
const BODY = (model: string) => JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'How much does this cost?' }] });

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-bench-'));
  let mongoUri = process.env.MONGODB_URI;
  let stopDb = async () => undefined as void;
  let database = 'MongoDB (MONGODB_URI)';
  if (!mongoUri) {
    const db = await startFerretDB({ dataDir: path.join(tmp, 'db') });
    mongoUri = db.uri;
    stopDb = () => db.stop();
    database = 'FerretDB 1.24 (SQLite), embedded';
  }
  const url = new URL(mongoUri);
  url.pathname = `/budget_bench_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    GATEWAY_DATA_DIR: path.join(tmp, 'cp'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_KEK: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    GATEWAY_OUTBOUND_ALLOW: 'loopback',
  });
  const cp = await startControlPlane({ mongoUri: url.toString(), port: 0, host: '127.0.0.1', config, validateResponses: false });
  const admin = signToken(config.jwt, { sub: 'bench', role: 'admin' }, 3600);
  const dataplane = signToken(config.jwt, { sub: 'bench-dp', role: 'dataplane' }, 3600);
  const fake = await startFakeOpenAI({ apiKey: 'sk-bench' });
  const api = async (method: string, p: string, body: unknown) => {
    const res = await fetch(`${cp.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  };
  await api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-bench' } });
  for (const name of MODELS) {
    await api('POST', '/api/v1/endpoints', {
      name,
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
      ...(name.startsWith('run') ? { runs: { header: 'x-agent-run-id' } } : {}),
      ...(name === 'run-loop' ? { loopBreaker: { maxRepeats: 50, maxCalls: 50, callWindowSeconds: 60 } } : {}),
    });
  }
  // Binds the requests that name a run (the run endpoints'), not the others.
  await api('POST', '/api/v1/budgets', { name: 'bench-run', unit: 'calls', limit: 1000, action: 'reject', scope: { type: 'run' } });
  await api('POST', '/api/v1/budgets', {
    name: 'bench',
    unit: 'usd',
    limit: 1e9,
    window: { unit: 'days', size: 1 },
    action: 'reject',
    scope: { type: 'endpoint', endpoint: 'budgeted' },
  });

  const node = async (i: number, env: Record<string, string>): Promise<KongDriver> => {
    const kongYml = parse(fs.readFileSync(path.join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
    Object.assign(kongYml.services[0]!.plugins[0]!.config, {
      control_plane_url: cp.url,
      dataplane_token: dataplane,
      data_port: 0,
      state_dir: path.join(tmp, `dp${i}`),
      identify_consumer: false,
    });
    return startKongDriver({
      kongYml,
      pluginsDir: path.join(ROOT, 'dist/plugin/kong'),
      env: { ...process.env, LLM_GATEWAY_LOG: 'silent', LLM_GATEWAY_OUTBOUND_ALLOW: 'loopback', ...env },
    });
  };
  const nodes = { slices: await node(0, {}), direct: await node(1, { LLM_GATEWAY_BUDGET_SLICES: 'off' }) };

  const results: Record<string, Record<string, Percentiles>> = {};
  for (const [nodeName, driver] of Object.entries(nodes)) {
    const pool = new Pool(driver.url, { connections: 32, pipelining: 1 });
    const call = async (model: string, run = `warm-${randomBytes(6).toString('hex')}`): Promise<number> => {
      const t0 = performance.now();
      const res = await pool.request({
        method: 'POST',
        path: '/gateway/openai/v1/chat/completions',
        headers: { 'content-type': 'application/json', ...(model.startsWith('run') ? { 'x-agent-run-id': run } : {}) },
        body: BODY(model),
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${model} on ${nodeName}: ${res.statusCode}`);
      return performance.now() - t0;
    };
    for (let i = 0; ; i++) {
      try {
        for (const model of MODELS) await call(model);
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    results[nodeName] = {};
    for (const concurrency of [1, 16]) {
      for (let i = 0; i < WARMUP; i++) await call(MODELS[i % MODELS.length]!);
      // Interleaved (each client takes the cases in turn), so drift and noise hit every case alike.
      const samples = Object.fromEntries(MODELS.map((m) => [m, [] as number[]])) as Record<Model, number[]>;
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, client) => {
          let own = 0;
          const runs = `${nodeName}-c${concurrency}-${client}`;
          while (next < MODELS.length * REQUESTS) {
            const model = MODELS[next++ % MODELS.length]!;
            samples[model].push(await call(model, `${runs}-${Math.floor(own++ / (RUN_LENGTH * MODELS.length))}`));
          }
        }),
      );
      for (const model of MODELS) {
        const p = percentiles(samples[model]);
        results[nodeName][`${model}-c${concurrency}`] = p;
        process.stderr.write(`${nodeName} ${model} c${concurrency}: p50 ${round(p.p50)} ms, p99 ${round(p.p99)} ms\n`);
      }
    }
    await pool.close();
  }

  const added = (n: string, c: number, model: Model = 'budgeted') => ({
    p50Ms: results[n]![`${model}-c${c}`]!.p50 - results[n]![`free-c${c}`]!.p50,
    p99Ms: results[n]![`${model}-c${c}`]!.p99 - results[n]![`free-c${c}`]!.p99,
  });
  const file = writeResult('budget', {
    description:
      'Client-observed latency per request through a Kong node (driver + real plugin server), zero-delay fake provider; "free" has no budget, "budgeted" one USD budget that never runs out; "run": every request names its agent run (a new run every ' +
      `${RUN_LENGTH} requests of a client), under a run-scoped calls budget (run windows are never sliced: one ledger round trip per request on both nodes); "run-loop": the same plus the loop breaker (maxRepeats and maxCalls). ` +
      'slices: local slices (no control-plane round trip per request); direct: LLM_GATEWAY_BUDGET_SLICES=off (reserve + settle at the control plane per request).',
    machine: machine(),
    database,
    requestsPerCase: REQUESTS,
    latencyMs: results,
    addedLatencyMs: {
      slices: { sequential: added('slices', 1), concurrency16: added('slices', 16) },
      direct: { sequential: added('direct', 1), concurrency16: added('direct', 16) },
      runBudget: { sequential: added('slices', 1, 'run'), concurrency16: added('slices', 16, 'run') },
      runBudgetAndLoopBreaker: { sequential: added('slices', 1, 'run-loop'), concurrency16: added('slices', 16, 'run-loop') },
    },
  });
  process.stderr.write(`wrote ${file}\n`);
  await Promise.all(Object.values(nodes).map((n) => n.close()));
  await fake.close();
  await cp.close();
  await stopDb();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
