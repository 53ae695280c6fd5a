// The benchmark scenarios. Each returns the JSON written to
// bench/results/<scenario>.json (minus the machine block run.ts adds).
// Every figure is measured beside its baseline in the same run.
import type { RequestStats } from '../local/kong-driver/request-context';
import type { LoadResult, StreamSample } from './client-worker';
import { cpuMeter, percentiles, sleep, vmMiB, type Percentiles } from './lib';
import { AGENT_TURN_BODY, AGENT_TURN_RESPONSES_BODY, ANTHROPIC_BODY, CHAT_BODY, type Env } from './setup';
import { startPeers } from './peers';
import { measureTranslation } from './translation';

export interface Profile {
  warmupS: number;
  measureS: number;
  concurrencies: number[];
  rates: number[];
  stepS: number;
  streams: number;
  streamConcurrency: number;
  propagationWrites: number;
  ingestS: number;
  ingestBatch: number;
  restartRate: number;
  restartS: number;
  openStreams: number;
  /** memory scenario: the wait for both sides' idle connections to close before the one-liner's last pass (0: no such pass). */
  idleCloseWaitS: number;
  translationIterations: number;
  /** peers scenario: sequential rounds at c=1, and the concurrency of its load runs. */
  peerRounds: number;
  peerConcurrency: number;
}

export const FULL: Profile = {
  warmupS: 2,
  measureS: 10,
  concurrencies: [1, 50, 200],
  rates: [100, 200, 400, 600, 800, 1000, 1200, 1400, 1700, 2000, 2400, 2800],
  stepS: 5,
  streams: 40,
  streamConcurrency: 10,
  propagationWrites: 30,
  ingestS: 10,
  ingestBatch: 500,
  restartRate: 100,
  restartS: 24,
  openStreams: 1000,
  // nginx closes idle upstream connections after 60 s (Kong's upstream_keepalive_idle_timeout), the data server's undici after 30 s.
  idleCloseWaitS: 65,
  translationIterations: 20_000,
  peerRounds: 400,
  peerConcurrency: 50,
};

export const SMOKE: Profile = {
  warmupS: 0.3,
  measureS: 1,
  concurrencies: [1, 10],
  rates: [50, 100],
  stepS: 1,
  streams: 4,
  streamConcurrency: 2,
  propagationWrites: 3,
  ingestS: 1,
  ingestBatch: 100,
  restartRate: 20,
  restartS: 6,
  openStreams: 20,
  idleCloseWaitS: 0,
  translationIterations: 500,
  peerRounds: 20,
  peerConcurrency: 10,
};

interface Target {
  name: string;
  url: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-client' };
// What the OpenAI Python SDK (3.57.0) sends beside them, as captured from it: what an open stream's request
// headers are, with the dozen Kong adds (memory scenario).
const OPENAI_SDK_HEADERS = {
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate',
  'user-agent': 'OpenAI/Python 3.57.0',
  'x-stainless-lang': 'python',
  'x-stainless-package-version': '3.57.0',
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-stainless-runtime': 'CPython',
  'x-stainless-runtime-version': '3.11.7',
  'x-stainless-async': 'false',
  'x-stainless-retry-count': '0',
  'x-stainless-read-timeout': '600',
};
const ANTHROPIC_HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-bench', 'anthropic-version': '2023-06-01' };

function load(env: Env, t: Target, connections: number, durationS: number, overallRate?: number): Promise<LoadResult> {
  return env.client.run<LoadResult>({
    type: 'load',
    url: t.url,
    body: t.body,
    headers: { ...JSON_HEADERS, ...t.headers },
    connections,
    durationS,
    overallRate,
  });
}

function non2xx(r: LoadResult): number {
  return Object.entries(r.statuses).reduce((n, [s, c]) => (s.startsWith('2') ? n : n + c), 0);
}

/** Collects the driver's per-request stats while a run lasts. */
function collectStats(env: Env, which: 'gateway' | 'noop') {
  const driver = which === 'gateway' ? env.stack.driver : env.noop;
  const seen: RequestStats[] = [];
  const on = (s: RequestStats) => seen.push(s);
  driver.events.on('request', on);
  return () => {
    driver.events.off('request', on);
    return summarizeStats(seen);
  };
}

function summarizeStats(seen: RequestStats[]) {
  const calls: Record<string, number> = {};
  let total = 0;
  for (const s of seen) {
    for (const [m, n] of Object.entries(s.pdkCalls)) {
      calls[m] = (calls[m] ?? 0) + n;
      total += n;
    }
  }
  const perRequest = Object.fromEntries(Object.entries(calls).map(([m, n]) => [m, n / Math.max(1, seen.length)]));
  return {
    requests: seen.length,
    pdkCallsPerRequest: total / Math.max(1, seen.length),
    pdkCallsByMethod: perRequest,
    pluginServerMs: percentiles(seen.map((s) => s.pluginServerMs)),
    driverMs: percentiles(seen.map((s) => s.driverMs)),
    upstreamMs: percentiles(seen.map((s) => s.upstreamMs)),
    totalMs: percentiles(seen.map((s) => s.totalMs)),
  };
}

const added = (a: Percentiles, base: Percentiles) => ({ p50: a.p50 - base.p50, p90: a.p90 - base.p90, p99: a.p99 - base.p99 });

function targets(env: Env) {
  const direct: Target = { name: 'direct', url: `${env.fake.url}/v1/chat/completions`, body: CHAT_BODY('bench') };
  const noop: Target = { name: 'kong-driver-noop', url: `${env.noop.url}/v1/chat/completions`, body: CHAT_BODY('bench') };
  const noopNginx: Target | undefined = env.noopNginx
    ? { name: 'kong-nginx-noop', url: `${env.noopNginx.url}/v1/chat/completions`, body: CHAT_BODY('bench') }
    : undefined;
  const gateway: Target = { name: 'gateway', url: `${env.stack.openaiBaseUrl}/chat/completions`, body: CHAT_BODY(env.endpoints.openai) };
  const mlflow: Target | undefined = env.mlflow ? { name: 'mlflow', url: `${env.mlflow.url}/v1/chat/completions`, body: CHAT_BODY('bench') } : undefined;
  return { direct, noop, noopNginx, gateway, mlflow };
}

// 1. Added latency, non-streaming (plus the driver's own cost, and the peer).
export async function addedLatency(env: Env, p: Profile, log: (s: string) => void) {
  const t = targets(env);
  const list = [t.direct, t.noop, ...(t.noopNginx ? [t.noopNginx] : []), t.gateway, ...(t.mlflow ? [t.mlflow] : [])];
  const runs: Array<Record<string, unknown>> = [];
  const gatewayStats: Record<string, unknown> = {};
  const noopStats: Record<string, unknown> = {};
  for (const c of p.concurrencies) {
    const byTarget: Record<string, Percentiles> = {};
    for (const target of list) {
      await load(env, target, c, p.warmupS); // warm-up, discarded
      const stop = target === t.gateway ? collectStats(env, 'gateway') : target === t.noop ? collectStats(env, 'noop') : undefined;
      const r = await load(env, target, c, p.measureS);
      const stats = stop?.();
      if (target === t.gateway) gatewayStats[String(c)] = stats;
      if (target === t.noop) noopStats[String(c)] = stats;
      const lat = percentiles(r.latenciesMs);
      byTarget[target.name] = lat;
      runs.push({
        concurrency: c,
        target: target.name,
        requests: r.requests,
        rps: (1000 * r.requests) / r.elapsedMs,
        statuses: r.statuses,
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: non2xx(r),
        latencyMs: lat,
      });
      log(
        `  c=${c} ${target.name.padEnd(16)} p50 ${lat.p50.toFixed(2)} p90 ${lat.p90.toFixed(2)} p99 ${lat.p99.toFixed(2)} ms  (${r.requests} req, non-2xx ${non2xx(r)})`,
      );
    }
    for (const run of runs.filter((x) => x.concurrency === c)) {
      run.addedMs = added(byTarget[run.target as string]!, byTarget.direct!);
      run.ratioToDirect = { p50: byTarget[run.target as string]!.p50 / byTarget.direct!.p50, p99: byTarget[run.target as string]!.p99 / byTarget.direct!.p99 };
    }
  }
  const addedOf = (name: string, c: number) => runs.find((r) => r.target === name && r.concurrency === c)?.addedMs as ReturnType<typeof added> | undefined;
  const peerRatios = t.mlflow
    ? Object.fromEntries(
        p.concurrencies.map((c) => {
          const ours = addedOf('gateway', c)!;
          const theirs = addedOf('mlflow', c)!;
          return [String(c), { addedP50OursOverTheirs: ours.p50 / theirs.p50, addedP99OursOverTheirs: ours.p99 / theirs.p99 }];
        }),
      )
    : undefined;
  return { runs, gatewayDriverStats: gatewayStats, noopDriverStats: noopStats, peerRatios };
}

// 1b. Each stand-in for Kong with the no-op plugin against the provider
// directly, one client, requests interleaved round by round so that a busy
// shared machine loads every target alike.
export async function standinCost(env: Env, p: Profile, log: (s: string) => void) {
  const t = targets(env);
  const list = [t.direct, t.noop, ...(t.noopNginx ? [t.noopNginx] : [])];
  const rounds = p.measureS * 50;
  const r = await env.client.run<{ latenciesMs: Record<string, number[]>; non2xx: Record<string, number> }>({
    type: 'interleaved',
    targets: list.map((x) => ({ name: x.name, url: x.url, body: x.body })),
    headers: JSON_HEADERS,
    rounds,
  });
  const lat = Object.fromEntries(list.map((x) => [x.name, percentiles(r.latenciesMs[x.name]!)]));
  const runs = list.map((x) => ({
    target: x.name,
    requests: r.latenciesMs[x.name]!.length,
    non2xx: r.non2xx[x.name],
    latencyMs: lat[x.name],
    addedMs: added(lat[x.name]!, lat.direct!),
  }));
  for (const run of runs) {
    log(
      `  ${run.target.padEnd(16)} p50 ${run.latencyMs!.p50.toFixed(2)} p99 ${run.latencyMs!.p99.toFixed(2)} ms; added p50 ${run.addedMs.p50.toFixed(2)} p99 ${run.addedMs.p99.toFixed(2)} ms (${run.requests} req, non-2xx ${run.non2xx})`,
    );
  }
  return { concurrency: 1, rounds, runs };
}

// 2. Throughput under an added-p99 budget, and where the time goes.
export async function throughput(env: Env, p: Profile, log: (s: string) => void) {
  const t = targets(env);
  const pid = env.stack.driver.pluginServerPid()!;
  const steps: Array<Record<string, unknown>> = [];
  let best: Awaited<ReturnType<typeof measureStep>> | undefined;
  let bestPluginOnly: Awaited<ReturnType<typeof measureStep>> | undefined;
  await load(env, t.gateway, 10, p.warmupS);
  const measureStep = async (rate: number) => {
    const connections = Math.max(10, Math.ceil(rate * 0.06));
    const d = await load(env, t.direct, connections, p.stepS, rate);
    // The Kong stand-in alone (no-op plugin) at the same rate: what real Kong would replace.
    const n = await load(env, t.noop, connections, p.stepS, rate);
    const stop = collectStats(env, 'gateway');
    const cpu = cpuMeter(pid);
    const main0 = process.cpuUsage();
    const g = await load(env, t.gateway, connections, p.stepS, rate);
    const pluginCpu = cpu();
    const mainCpu = process.cpuUsage(main0);
    const stats = stop();
    const dl = percentiles(d.latenciesMs);
    const nl = percentiles(n.latenciesMs);
    const gl = percentiles(g.latenciesMs);
    const achieved = (1000 * g.requests) / g.elapsedMs;
    const served = achieved >= 0.95 * rate && non2xx(g) === 0 && g.errors === 0;
    const ok = served && gl.p99 - dl.p99 < 10;
    const okPluginOnly = served && gl.p99 - nl.p99 < 10;
    return {
      targetRps: rate,
      connections,
      achievedRps: achieved,
      directAchievedRps: (1000 * d.requests) / d.elapsedMs,
      direct: dl,
      gateway: gl,
      addedMs: added(gl, dl),
      noopDriver: nl,
      pluginAddedMs: added(gl, nl),
      non2xx: non2xx(g),
      errors: g.errors,
      sustained: ok,
      sustainedPluginOnly: okPluginOnly,
      pluginServerCpu: { percentOfOneCore: pluginCpu.percentOfOneCore, cpuMsPerRequest: pluginCpu.cpuMs / Math.max(1, g.requests) },
      driverCpu: {
        percentOfOneCore: (100 * (mainCpu.user + mainCpu.system)) / 1000 / pluginCpu.wallMs,
        cpuMsPerRequest: (mainCpu.user + mainCpu.system) / 1000 / Math.max(1, g.requests),
      },
      driverStats: stats,
    };
  };
  // Up the ladder while the plugin's own share holds (the stricter end-to-end criterion fails first).
  let endToEndHolds = true;
  for (const rate of p.rates) {
    let step = await measureStep(rate);
    // A shared machine has hiccups: a failed step is measured once more before it counts.
    if (!step.sustained) {
      log(
        `  ${rate} rps: added p99 ${step.addedMs.p99.toFixed(2)} ms (plugin only ${step.pluginAddedMs.p99.toFixed(2)}), achieved ${step.achievedRps.toFixed(0)}: failed, measuring once more`,
      );
      steps.push({ ...step, retried: true });
      step = await measureStep(rate);
    }
    steps.push(step);
    log(
      `  ${rate} rps: achieved ${step.achievedRps.toFixed(0)}, added p50 ${step.addedMs.p50.toFixed(2)} p99 ${step.addedMs.p99.toFixed(2)} ms (plugin only p99 ${step.pluginAddedMs.p99.toFixed(2)}), plugin server ${step.pluginServerCpu.percentOfOneCore.toFixed(0)}% core ${step.sustained ? 'OK' : 'FAIL'}/${step.sustainedPluginOnly ? 'OK' : 'FAIL'}`,
    );
    endToEndHolds &&= step.sustained;
    if (endToEndHolds) best = step;
    if (!step.sustainedPluginOnly) break;
    bestPluginOnly = step;
  }
  const basis = best ?? (steps[steps.length - 1] as unknown as typeof best);
  const translation = measureTranslation(p.translationIterations);
  return {
    criterion: 'added p99 (gateway p99 - direct p99 at the same rate) < 10 ms, achieved >= 95% of the target rate, no errors',
    maxSustainedRps: best ? best.targetRps : 0,
    criterionPluginOnly:
      "the same with the no-op Kong driver as the baseline (gateway p99 - no-op driver p99): the plugin's share, without the stand-in for Kong",
    maxSustainedRpsPluginOnly: bestPluginOnly ? bestPluginOnly.targetRps : 0,
    fakeProviderDelayMs: env.settings.delayMs,
    steps,
    whereTheTimeGoes: basis
      ? {
          atRps: basis.targetRps,
          atStep: best ? 'highest sustained rate' : 'first rate (none sustained)',
          pluginServerCpuMsPerRequest: basis.pluginServerCpu.cpuMsPerRequest,
          pluginServerPercentOfOneCore: basis.pluginServerCpu.percentOfOneCore,
          kongDriverProcessCpuMsPerRequest: basis.driverCpu.cpuMsPerRequest,
          pdkCallsPerRequest: basis.driverStats.pdkCallsPerRequest,
          pdkCallsByMethod: basis.driverStats.pdkCallsByMethod,
          accessPhaseRpcMs: basis.driverStats.pluginServerMs,
          kongDriverOwnMs: basis.driverStats.driverMs,
          upstreamLegMs: basis.driverStats.upstreamMs,
          translation,
        }
      : { translation },
  };
}

function streamSummary(samples: StreamSample[], gapMs: number, chunks: number) {
  const gaps: number[] = [];
  for (const s of samples) for (let i = 1; i < s.arrivalsMs.length; i++) gaps.push(s.arrivalsMs[i]! - s.arrivalsMs[i - 1]!);
  const failed = samples.filter((s) => s.status !== 200 || s.error || s.arrivalsMs.length !== chunks);
  return {
    streams: samples.length,
    failed: failed.length,
    failures: failed.slice(0, 3).map((s) => ({ status: s.status, error: s.error, chunks: s.arrivalsMs.length })),
    ttftMs: percentiles(samples.map((s) => s.ttftMs)),
    gapMs: percentiles(gaps),
    gapsUnderHalfExpected: gaps.filter((g) => g < gapMs / 2).length,
    gapsTotal: gaps.length,
    coalescedReads: samples.reduce((n, s) => n + s.coalescedReads, 0),
    preserved: gaps.length > 0 && gaps.filter((g) => g < gapMs / 2).length === 0,
  };
}

// 3. Streaming: added time to first token, and inter-chunk gaps.
export async function streaming(env: Env, p: Profile, log: (s: string) => void) {
  const gw = env.stack.openaiBaseUrl;
  const list: Array<Target & { format: 'openai' | 'anthropic' }> = [
    { format: 'openai', name: 'direct', url: `${env.fake.url}/v1/chat/completions`, body: CHAT_BODY('bench', true) },
    { format: 'openai', name: 'gateway', url: `${gw}/chat/completions`, body: CHAT_BODY(env.endpoints.openai, true) },
    { format: 'anthropic', name: 'direct', url: `${env.fake.url}/v1/messages`, body: ANTHROPIC_BODY('bench', true), headers: ANTHROPIC_HEADERS },
    { format: 'anthropic', name: 'gateway', url: `${gw}/chat/completions`, body: CHAT_BODY(env.endpoints.anthropic, true) },
    {
      format: 'anthropic',
      name: 'gateway-anthropic-ingress',
      url: `${env.stack.anthropicBaseUrl}/v1/messages`,
      body: ANTHROPIC_BODY(env.endpoints.anthropic, true),
      headers: ANTHROPIC_HEADERS,
    },
  ];
  if (env.mlflow) {
    list.push({ format: 'openai', name: 'mlflow', url: `${env.mlflow.url}/v1/chat/completions`, body: CHAT_BODY('bench', true) });
    list.push({ format: 'anthropic', name: 'mlflow', url: `${env.mlflow.url}/v1/chat/completions`, body: CHAT_BODY('bench-anthropic', true) });
  }
  const results: Array<Record<string, unknown>> = [];
  for (const target of list) {
    await env.client.run({
      type: 'streams',
      url: target.url,
      body: target.body,
      headers: { ...JSON_HEADERS, ...target.headers },
      count: Math.min(2, p.streams),
      concurrency: 1,
    });
    const samples = await env.client.run<StreamSample[]>({
      type: 'streams',
      url: target.url,
      body: target.body,
      headers: { ...JSON_HEADERS, ...target.headers },
      count: p.streams,
      concurrency: p.streamConcurrency,
    });
    const s = streamSummary(samples, env.settings.gapMs, env.settings.chunks);
    results.push({ providerFormat: target.format, target: target.name, ...s });
    log(
      `  ${target.format}/${target.name.padEnd(26)} ttft p50 ${s.ttftMs.p50.toFixed(2)} p99 ${s.ttftMs.p99.toFixed(2)} ms; gaps p50 ${s.gapMs.p50.toFixed(1)} min ${s.gapMs.min.toFixed(1)} ms; coalesced reads ${s.coalescedReads}; failed ${s.failed}`,
    );
  }
  for (const r of results) {
    const base = results.find((x) => x.providerFormat === r.providerFormat && x.target === 'direct')!;
    r.addedTtftMs = added(r.ttftMs as Percentiles, base.ttftMs as Percentiles);
  }
  const peerRatios = env.mlflow
    ? Object.fromEntries(
        (['openai', 'anthropic'] as const).map((f) => {
          const ours = results.find((r) => r.providerFormat === f && r.target === 'gateway')!.addedTtftMs as ReturnType<typeof added>;
          const theirs = results.find((r) => r.providerFormat === f && r.target === 'mlflow')!.addedTtftMs as ReturnType<typeof added>;
          return [f, { addedTtftP50OursOverTheirs: ours.p50 / theirs.p50, addedTtftP99OursOverTheirs: ours.p99 / theirs.p99 }];
        }),
      )
    : undefined;
  return { expectedGapMs: env.settings.gapMs, chunksPerStream: env.settings.chunks, firstChunkAfterMs: env.settings.delayMs, results, peerRatios };
}

// 4. Configuration propagation: control-plane write -> first request served with it.
export async function propagation(env: Env, p: Profile, log: (s: string) => void) {
  const url = `${env.stack.openaiBaseUrl}/chat/completions`;
  const body = CHAT_BODY(env.endpoints.prop);
  const probe = async () => {
    const res = await fetch(url, { method: 'POST', headers: JSON_HEADERS, body });
    await res.arrayBuffer();
    return res.headers.get('x-gateway-model');
  };
  const samples: number[] = [];
  const writeMs: number[] = [];
  const probesPerWrite: number[] = [];
  for (let i = 1; i <= p.propagationWrites; i++) {
    const model = `prop-nodelay-${i}`;
    await sleep(50 + Math.random() * 150); // decorrelate from any poll cycle
    const t0 = performance.now();
    const res = await env.stack.api('PUT', `/api/v1/endpoints/${env.endpoints.prop}`, {
      name: env.endpoints.prop,
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model, secret: 'bench-openai', weight: 100, options: { baseUrl: `${env.fake.url}/v1` } }],
    });
    writeMs.push(performance.now() - t0);
    if (res.status >= 300) throw new Error(`PUT endpoint failed: ${res.status} ${JSON.stringify(res.body)}`);
    let probes = 0;
    for (;;) {
      probes++;
      if ((await probe()) === model) break;
      if (performance.now() - t0 > 30_000) throw new Error(`configuration ${model} never reached the gateway`);
    }
    samples.push(performance.now() - t0);
    probesPerWrite.push(probes);
  }
  const r = percentiles(samples);
  log(
    `  write -> first request served with it: p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms over ${r.n} writes (PUT itself p50 ${percentiles(writeMs).p50.toFixed(1)} ms)`,
  );
  return {
    method:
      'PUT /api/v1/endpoints/prop changes the destination model; back-to-back chat requests until x-gateway-model shows it; time from sending the PUT to the end of that request',
    writes: samples.length,
    propagationMs: r,
    putRequestMs: percentiles(writeMs),
    probesPerWrite: percentiles(probesPerWrite),
    samplesMs: samples,
  };
}

const tracesCount = (env: Env, endpoint: string) => env.stack.countTraces(endpoint);

// 5. Trace ingest rate, and no loss across a control-plane restart under load.
export async function traceIngest(env: Env, p: Profile, log: (s: string) => void) {
  const cp = env.stack.controlPlaneUrl;
  const endpoint = `ingest-direct-${Date.now()}`;
  let seq = 0;
  const trace = () => ({
    id: `bench-${process.pid}-${++seq}-${Math.random().toString(36).slice(2)}`,
    time: new Date().toISOString(),
    endpoint,
    kind: 'chat',
    user: 'bench',
    ingress: 'openai',
    stream: false,
    status: 200,
    provider: 'openai',
    model: 'bench',
    attempts: [{ destinationId: 'oai', provider: 'openai', model: 'bench', status: 200, latencyMs: 20 }],
    usage: { promptTokens: 12, completionTokens: 11, totalTokens: 23 },
    costUsd: 0.00001,
    latencyMs: 21,
    overheadMs: 1,
  });
  const deadline = performance.now() + p.ingestS * 1000;
  const t0 = performance.now();
  let sent = 0;
  let accepted = 0;
  const batchMs: number[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < deadline) {
        const batch = Array.from({ length: p.ingestBatch }, trace);
        const b0 = performance.now();
        const res = await fetch(`${cp}/api/v1/dataplane/traces`, {
          method: 'POST',
          headers: { authorization: `Bearer ${env.stack.dataplaneToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ traces: batch }),
        });
        const out = (await res.json()) as { accepted?: number };
        batchMs.push(performance.now() - b0);
        if (res.status !== 200) throw new Error(`trace ingest: ${res.status} ${JSON.stringify(out)}`);
        sent += batch.length;
        accepted += out.accepted ?? 0;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const stored = await tracesCount(env, endpoint);
  const ingest = {
    batchSize: p.ingestBatch,
    concurrentPosts: 4,
    sent,
    accepted,
    stored,
    tracesPerSecond: (1000 * stored) / elapsed,
    batchMs: percentiles(batchMs),
  };
  log(`  ingest: ${ingest.tracesPerSecond.toFixed(0)} traces/s (${stored} stored of ${sent} sent, batches of ${p.ingestBatch})`);

  // Restart under load: the gateway serves throughout; every request leaves one trace.
  const before = await tracesCount(env, env.endpoints.ingest);
  // Requests the plugin admitted, as Kong saw them: the load client stops
  // counting at its deadline while up to one request per connection is still
  // in flight, and those are admitted and traced too.
  let admitted = 0;
  const onRequest = (s: RequestStats) => void (s.pdkCalls['kong.service.set_target'] && admitted++);
  env.stack.driver.events.on('request', onRequest);
  const target = { url: `${env.stack.openaiBaseUrl}/chat/completions`, body: CHAT_BODY(env.endpoints.ingest) };
  const running = env.client.run<LoadResult>({
    type: 'load',
    url: target.url,
    body: target.body,
    headers: JSON_HEADERS,
    connections: 10,
    durationS: p.restartS,
    overallRate: p.restartRate,
  });
  await sleep(p.restartS * 250);
  const stopAt = performance.now();
  const stopped = await env.stack.stopControlPlane(3000);
  log(
    `  control plane stopped under ${p.restartRate} rps (${stopped.graceful ? 'SIGTERM' : 'SIGTERM did not finish in 3 s: SIGKILL'}, ${stopped.ms.toFixed(0)} ms)`,
  );
  await sleep(p.restartS * 350);
  await env.stack.startControlPlaneAgain();
  const downMs = performance.now() - stopAt;
  log(`  control plane restarted after ${(downMs / 1000).toFixed(1)} s`);
  const r = await running;
  const served = r.requests;
  await sleep(1000); // the last requests' log phase
  env.stack.driver.events.off('request', onRequest);
  const drain0 = performance.now();
  let stored2 = 0;
  while (performance.now() - drain0 < 60_000) {
    stored2 = (await tracesCount(env, env.endpoints.ingest)) - before;
    if (stored2 >= admitted) break;
    await sleep(250);
  }
  const restart = {
    rate: p.restartRate,
    durationS: p.restartS,
    controlPlaneDownMs: downMs,
    stop: stopped,
    served,
    admitted,
    statuses: r.statuses,
    non2xx: non2xx(r),
    errors: r.errors,
    tracesStored: stored2,
    lost: admitted - stored2,
    drainAfterLoadMs: performance.now() - drain0,
    latencyMs: percentiles(r.latenciesMs),
  };
  log(
    `  restart: served ${served} (non-2xx ${restart.non2xx}), admitted ${admitted}, traces stored ${stored2}, lost ${restart.lost}, drained ${(restart.drainAfterLoadMs / 1000).toFixed(1)} s after the load`,
  );
  return { ingest, restart };
}

// 6. Plugin-server memory with many concurrent open streams. Each reading
// follows a full collection in every thread of the plugin server
// (bench/heap-probe.ts): without it the RSS difference measures when V8 last
// collected (a run read -2 KiB per stream, another 122), not what the streams
// hold. Valid only when every stream opened and the provider holds each one.
// Three times: with a one-line request, and with an agent's turn (~22 KiB of
// history and tools), since what the gateway keeps of a request while its
// answer streams grows with the request; and the same turn through the
// Responses API (the OpenAI Agents SDK's default), which keeps more of it.
// Last, the one-liner to the fake's TLS origins, as real providers are
// reached: HTTP/2 where the plugin server's Node loads undici 8 (many
// streams per connection), else HTTP/1.1 (a connection and its TLS state per
// stream); its provider connections new, Kong's side pooled by then.
// And the one-liner once more, after both sides' idle connections closed:
// new connections in a process that has served, to tell what every new
// connection costs from what the first pass paid once (code compiled on
// first use, tables grown). Every request carries the headers the OpenAI SDK
// sends, as agents' requests do.
export async function memory(env: Env, p: Profile, log: (s: string) => void) {
  // First on fresh connections (nginx -> data server, data server -> provider), whose objects the later runs
  // find pooled; then again with them pooled, as a gateway in use has them.
  const short = await holdStreams(env, p, log, 'one-line request', (m) => CHAT_BODY(m, true));
  const pooledConnections = await holdStreams(env, p, log, 'one-line request, connections pooled', (m) => CHAT_BODY(m, true));
  const agentTurn = await holdStreams(env, p, log, 'agent turn', (m) => AGENT_TURN_BODY(m, true));
  const responsesAgentTurn = await holdStreams(env, p, log, 'agent turn (Responses API)', (m) => AGENT_TURN_RESPONSES_BODY(m, true), 'responses');
  const overTls = (label: string) => holdStreams(env, p, log, label, (m) => CHAT_BODY(m, true), 'chat/completions', env.endpoints.holdOverTls);
  const providerOverTls = await overTls('one-line request, provider over TLS, its connections new');
  const providerOverTlsPooled = await overTls('one-line request, provider over TLS, connections pooled');
  let connectionsNewAgain;
  if (p.idleCloseWaitS > 0) {
    log(`  waiting ${p.idleCloseWaitS} s for idle connections to close on both sides`);
    await sleep(p.idleCloseWaitS * 1000);
    connectionsNewAgain = await holdStreams(env, p, log, 'one-line request, connections new again', (m) => CHAT_BODY(m, true));
  }
  return { ...short, pooledConnections, agentTurn, responsesAgentTurn, providerOverTls, providerOverTlsPooled, connectionsNewAgain };
}

async function holdStreams(
  env: Env,
  p: Profile,
  log: (s: string) => void,
  label: string,
  bodyFor: (model: string) => string,
  api: 'chat/completions' | 'responses' = 'chat/completions',
  models = env.endpoints.hold,
) {
  const pid = env.stack.driver.pluginServerPid()!;
  await sleep(1000);
  const before = await env.stack.pluginServerMemory();
  const driverRssBefore = process.memoryUsage().rss / 2 ** 20;
  const statsBefore = await env.fake.stats();
  const gw = `${env.stack.openaiBaseUrl}/${api}`;
  const per = Math.ceil(p.openStreams / models.length);
  // In two halves, with a reading between: the second half's cost per stream is what one more stream adds, apart
  // from what the first streams paid once (code compiled on first use, tables grown to size), and the two readings
  // per stream show how far one run's reading can be trusted.
  const openHalf = (half: 0 | 1) =>
    Promise.all(
      models.map((m, i) => {
        const count = Math.min(per, p.openStreams - i * per);
        const first = Math.ceil(count / 2);
        return env.client.run<{ opened: number; failed: number; reasons: Record<string, number>; ms: number }>({
          type: 'open-streams',
          url: gw,
          body: bodyFor(m),
          headers: { ...JSON_HEADERS, ...OPENAI_SDK_HEADERS },
          count: half === 0 ? first : count - first,
          key: `${m}#${half}`,
        });
      }),
    );
  const firstHalf = await openHalf(0);
  await sleep(500);
  const half = await env.stack.pluginServerMemory();
  const secondHalf = await openHalf(1);
  const opened = [...firstHalf, ...secondHalf];
  const openedFirstHalf = firstHalf.reduce((n, o) => n + o.opened, 0);
  const openedTotal = opened.reduce((n, o) => n + o.opened, 0);
  const statsOpen = await env.fake.stats();
  const held = statsOpen.held;
  await sleep(500);
  const open = await env.stack.pluginServerMemory();
  const hwm = vmMiB(pid, 'VmHWM');
  const driverRssOpen = process.memoryUsage().rss / 2 ** 20;
  const released = await env.fake.release();
  const closed = await Promise.all(
    models.flatMap((m) =>
      [0, 1].map((h) => env.client.run<{ completed: number; failed: number; reasons: Record<string, number> }>({ type: 'close-streams', key: `${m}#${h}` })),
    ),
  );
  await sleep(1000);
  const after = await env.stack.pluginServerMemory();
  const mib = (bytes: number) => bytes / 2 ** 20;
  const perStream = (bytes: number) => bytes / 1024 / Math.max(1, openedTotal);
  const res = {
    requestBytes: Buffer.byteLength(bodyFor(models[0]!)),
    streamsRequested: p.openStreams,
    streamsOpen: openedTotal,
    heldAtProvider: held,
    valid: openedTotal === p.openStreams && held === openedTotal,
    failedToOpen: mergeCounts(opened.map((o) => o.reasons)),
    providerOrigins: models.length,
    // As the fake saw them: the streams' requests by HTTP version, and the TLS connections they came on.
    providerRequestsByHttpVersion: difference(statsOpen.versions, statsBefore.versions),
    providerTlsConnectionsOpened: statsOpen.tlsConnections - statsBefore.tlsConnections,
    providerConnectionsOpened: statsOpen.connections - statsBefore.connections,
    openMs: Math.max(...firstHalf.map((o) => o.ms)) + Math.max(...secondHalf.map((o) => o.ms)),
    pluginServerRssMiB: { before: mib(before.rss), withStreamsOpen: mib(open.rss), afterRelease: mib(after.rss), peakVmHWM: hwm },
    pluginServerHeapMiB: { before: mib(before.heapUsed), withStreamsOpen: mib(open.heapUsed), afterRelease: mib(after.heapUsed) },
    // Main thread first; a worker started or gone between the readings shows here.
    heapMiBByThread: { before: before.threads.map((t) => mib(t.heapUsed)), withStreamsOpen: open.threads.map((t) => mib(t.heapUsed)) },
    kibPerOpenStream: perStream(open.rss - before.rss),
    heapKibPerOpenStream: perStream(open.heapUsed - before.heapUsed),
    // Buffers' memory, outside the JS heap: steadier than RSS, which holds what earlier runs freed.
    arrayBufferKibPerOpenStream: perStream(open.arrayBuffers - before.arrayBuffers),
    // The second half only: what each more stream adds (see above).
    marginalHeapKibPerStream: (open.heapUsed - half.heapUsed) / 1024 / Math.max(1, openedTotal - openedFirstHalf),
    marginalArrayBufferKibPerStream: (open.arrayBuffers - half.arrayBuffers) / 1024 / Math.max(1, openedTotal - openedFirstHalf),
    kongDriverProcessRssMiB: { before: driverRssBefore, withStreamsOpen: driverRssOpen },
    released,
    completedAfterRelease: closed.reduce((n, c) => n + c.completed, 0),
    failedAfterRelease: closed.reduce((n, c) => n + c.failed, 0),
    failures: mergeCounts(closed.map((c) => c.reasons)),
  };
  log(
    `  ${label}, ${openedTotal} open streams (${held} held at the provider): plugin server RSS ${mib(before.rss).toFixed(0)} -> ${mib(open.rss).toFixed(0)} MiB, JS heap ${mib(before.heapUsed).toFixed(1)} -> ${mib(open.heapUsed).toFixed(1)} MiB (${res.kibPerOpenStream.toFixed(1)} KiB RSS, ${res.heapKibPerOpenStream.toFixed(1)} KiB heap, ${res.arrayBufferKibPerOpenStream.toFixed(1)} KiB array buffers per stream; the second half ${res.marginalHeapKibPerStream.toFixed(1)} + ${res.marginalArrayBufferKibPerStream.toFixed(1)} KiB each); provider requests by HTTP version ${JSON.stringify(res.providerRequestsByHttpVersion)}, ${res.providerConnectionsOpened} plain and ${res.providerTlsConnectionsOpened} TLS connections opened; completed after release ${res.completedAfterRelease}`,
  );
  if (!res.valid) log(`  NOT VALID: ${openedTotal} of ${p.openStreams} opened, ${held} held; failures ${JSON.stringify(res.failures)}`);
  return res;
}

function difference(now: Record<string, number>, then: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(now)) if (n !== (then[k] ?? 0)) out[k] = n - (then[k] ?? 0);
  return out;
}

function mergeCounts(all: Array<Record<string, number> | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [k, n] of Object.entries(counts ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

// 8. The other gateways, side by side on the same fake provider (bench/peers.ts).
// c=1: one request at a time to each target in turn (direct, the no-op Kong
// stand-in, ours, every peer), so that a busy shared machine loads all alike;
// timed with process.hrtime. c=50: autocannon per target, warm-up discarded.
export async function peers(env: Env, p: Profile, log: (s: string) => void) {
  const production = process.env.BENCH_PEER_PRODUCTION === '1';
  const { peers: running, statuses } = await startPeers({ smoke: env.settings.smoke, fakeUrl: env.fake.url, log, production });
  try {
    const t = targets(env);
    const list: Array<Target & { headers?: Record<string, string> }> = [
      t.direct,
      ...(t.noopNginx ? [t.noopNginx] : [t.noop]),
      { ...t.gateway, name: `gateway (${env.stack.driver.kind})` },
      ...running.map((x) => ({ name: x.name, url: x.chatUrl, body: CHAT_BODY(x.model), headers: { ...JSON_HEADERS, ...x.headers } })),
    ];
    const seq = await env.client.run<{ latenciesMs: Record<string, number[]>; non2xx: Record<string, number> }>({
      type: 'interleaved',
      targets: list.map((x) => ({ name: x.name, url: x.url, body: x.body, headers: x.headers })),
      headers: JSON_HEADERS,
      rounds: p.peerRounds,
      warmupRounds: Math.ceil(p.peerRounds / 20),
    });
    const c1 = Object.fromEntries(list.map((x) => [x.name, percentiles(seq.latenciesMs[x.name]!)]));
    const runs: Array<Record<string, unknown>> = list.map((x) => ({
      concurrency: 1,
      target: x.name,
      requests: seq.latenciesMs[x.name]!.length,
      non2xx: seq.non2xx[x.name],
      latencyMs: c1[x.name],
      addedMs: added(c1[x.name]!, c1.direct!),
    }));
    for (const r of runs) {
      const a = r.addedMs as ReturnType<typeof added>;
      log(
        `  c=1  ${String(r.target).padEnd(22)} added p50 ${a.p50.toFixed(2)} p99 ${a.p99.toFixed(2)} ms (${String(r.requests)} req, non-2xx ${String(r.non2xx)})`,
      );
    }
    const c = p.peerConcurrency;
    const byTarget: Record<string, Percentiles> = {};
    for (const x of list) {
      await load(env, x, c, p.warmupS);
      const r = await load(env, x, c, p.measureS);
      byTarget[x.name] = percentiles(r.latenciesMs);
      runs.push({
        concurrency: c,
        target: x.name,
        requests: r.requests,
        rps: (1000 * r.requests) / r.elapsedMs,
        non2xx: non2xx(r),
        errors: r.errors,
        latencyMs: byTarget[x.name],
      });
    }
    for (const r of runs.filter((x) => x.concurrency === c)) {
      r.addedMs = added(byTarget[r.target as string]!, byTarget.direct!);
      const a = r.addedMs as ReturnType<typeof added>;
      log(
        `  c=${c} ${String(r.target).padEnd(22)} ${(r.rps as number).toFixed(0)} req/s, added p50 ${a.p50.toFixed(2)} p99 ${a.p99.toFixed(2)} ms (non-2xx ${String(r.non2xx)})`,
      );
    }
    return {
      method: `c=1: ${p.peerRounds} rounds, one keep-alive request per target per round in random order, process.hrtime; c=${c}: autocannon ${p.measureS} s after ${p.warmupS} s warm-up; added = target - direct`,
      peers: statuses,
      runs,
    };
  } finally {
    for (const x of running) await x.close();
  }
}
