// `npm run bench` (= npm run build && node dist/bench/run.js [--smoke] [--only=a,b])
// Brings up the stack (bench/setup.ts), runs the scenarios (bench/scenarios.ts),
// writes bench/results/<scenario>.json and prints a summary table.
// --smoke: tiny load, every scenario in seconds, MLflow only if already installed.
import os from 'node:os';
import { fmt, machine, sleep, table, writeResult } from './lib';
import { MLFLOW_WORKERS } from './mlflow';
import { otelExporter } from './otel-exporter';
import { peersTable, writePeersTables } from './peers-table';
import { addedLatency, FULL, memory, peers, propagation, SMOKE, standinCost, streaming, throughput, traceIngest, type Profile } from './scenarios';
import { setup, type Env, type Settings } from './setup';
import { shadowLatency } from './shadow-scenario';
import { coldStart } from './cold-start';
import { scaleProfile, tracesAtScale } from './traces-at-scale';

export const SCENARIOS = [
  'added-latency',
  'kong-driver',
  'throughput',
  'streaming',
  'config-propagation',
  'trace-ingest',
  'memory',
  'shadow',
  'otel-exporter',
  'peer-mlflow',
  'peers',
  'cold-start',
  'traces-at-scale',
] as const;
type Scenario = (typeof SCENARIOS)[number];

type Results = Partial<Record<Scenario, Record<string, unknown>>>;

const log = (s: string) => process.stdout.write(`${s}\n`);

export async function runBench(argv: string[]): Promise<{ results: Results; failed: string[] }> {
  const smoke = argv.includes('--smoke');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const want = (s: Scenario) => !only || only.includes(s);
  const profile: Profile = smoke ? SMOKE : FULL;
  const settings: Settings = { smoke, delayMs: 20, chunks: smoke ? 5 : 20, gapMs: 50, holdOrigins: smoke ? 1 : 5 };
  const started = Date.now();
  log(`bench (${smoke ? 'smoke' : 'full'}): fake provider answers after ${settings.delayMs} ms; streams ${settings.chunks} chunks ${settings.gapMs} ms apart`);
  if (!smoke) await waitForQuiet();
  const machineAtStart = machine();
  log(
    `machine: ${machineAtStart.cpuModel}, ${machineAtStart.cores} cores, ${machineAtStart.memoryGiB} GiB, node ${machineAtStart.node}, load ${JSON.stringify(machineAtStart.loadAverage)}`,
  );
  const results: Results = {};
  const failed: string[] = [];
  // Its own database and control plane: before the shared stack starts, so neither loads the other.
  if (want('traces-at-scale')) {
    const t0 = Date.now();
    const profile = scaleProfile(smoke);
    log(`\n== traces-at-scale (${profile.sizes.join(' -> ')} traces; BENCH_TRACES=1000000 for the 1M step)`);
    const head = {
      scenario: 'traces-at-scale',
      startedAt: new Date(t0).toISOString(),
      machine: machine(),
      settings: { mode: smoke ? 'smoke' : 'full', profile },
    };
    try {
      results['traces-at-scale'] = { ...head, durationMs: Date.now() - t0, ...(await tracesAtScale(profile, log)) };
    } catch (err) {
      failed.push('traces-at-scale');
      log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      results['traces-at-scale'] = { ...head, error: (err as Error).message };
    }
    writeResult('traces-at-scale', results['traces-at-scale']);
    if (only?.every((s) => s === 'traces-at-scale')) {
      log(`\n${summary(results)}`);
      return { results, failed };
    }
  }
  const env = await setup(settings, log);
  const common = (extra: Record<string, unknown> = {}) => ({
    settings: {
      mode: smoke ? 'smoke' : 'full',
      fakeProviderDelayMs: settings.delayMs,
      streamChunks: settings.chunks,
      streamGapMs: settings.gapMs,
      profile,
      ...extra,
    },
    mlflow: env.mlflowStatus,
  });
  const run = async (
    name: Scenario,
    fn: (env: Env, p: Profile, log: (s: string) => void) => Promise<Record<string, unknown>>,
    extra?: Record<string, unknown>,
  ) => {
    if (!want(name)) return;
    log(`\n== ${name}`);
    const m = machine(); // load average before this scenario
    const t0 = Date.now();
    try {
      const data = await fn(env, profile, log);
      results[name] = { scenario: name, startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0, machine: m, ...common(extra), ...data };
    } catch (err) {
      failed.push(name);
      log(`  FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      results[name] = { scenario: name, startedAt: new Date(t0).toISOString(), machine: m, ...common(extra), error: (err as Error).message };
    }
    writeResult(name, results[name]);
  };
  try {
    await run('added-latency', addedLatency, {
      concurrencies: profile.concurrencies,
      warmupS: profile.warmupS,
      measureS: profile.measureS,
      mlflowWorkers: env.mlflow ? MLFLOW_WORKERS : undefined,
    });
    await run('kong-driver', standinCost, { gatewayStandin: env.stack.driver.kind });
    await run('throughput', throughput);
    await run('streaming', streaming);
    await run('config-propagation', propagation);
    await run('trace-ingest', traceIngest);
    await run('memory', memory);
    await run('shadow', shadowLatency);
    await run('otel-exporter', otelExporter);
    if (want('peer-mlflow')) {
      results['peer-mlflow'] = {
        scenario: 'peer-mlflow',
        machine: machine(),
        ...common(),
        status: env.mlflowStatus,
        addedLatencyRatios: (results['added-latency'] as { peerRatios?: unknown } | undefined)?.peerRatios ?? null,
        streamingRatios: (results.streaming as { peerRatios?: unknown } | undefined)?.peerRatios ?? null,
      };
      writeResult('peer-mlflow', results['peer-mlflow']);
    }
    await run('peers', peers);
    // Last: it reloads the gateway.
    await run('cold-start', coldStart);
  } finally {
    await env.close();
  }
  log(`\n${summary(results)}`);
  // Only a full run rewrites the committed tables.
  if (!smoke && results.peers && !results.peers.error) log(`\npeers table written to ${writePeersTables(results.peers as never).join(', ')}`);
  log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/results/*.json${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
  return { results, failed };
}

/** Shared machines: give other work up to 90 s to calm down (1-min load under the core count) before a full run. */
async function waitForQuiet(): Promise<void> {
  const cores = os.cpus().length;
  const deadline = Date.now() + 90_000;
  while (os.loadavg()[0]! >= cores && Date.now() < deadline) {
    log(`waiting for a quieter machine: 1-min load ${os.loadavg()[0]!.toFixed(2)} on ${cores} cores`);
    await sleep(15_000);
  }
}

type P = { p50: number; p90: number; p99: number };
type AgentTurnMemory = { requestBytes: number; valid: boolean; kibPerOpenStream: number; heapKibPerOpenStream: number; marginalHeapKibPerStream: number };

/** The printed summary (also the source of bench/RESULTS.md). */
export function summary(results: Results): string {
  const out: string[] = [];
  const a = results['added-latency'] as { runs?: Array<{ concurrency: number; target: string; latencyMs: P; addedMs: P; rps: number }> } | undefined;
  if (a?.runs) {
    out.push('Added latency, non-streaming (ms; added = target - direct, same run)');
    out.push(
      table(
        ['conc', 'target', 'p50', 'p90', 'p99', '+p50', '+p90', '+p99', 'rps'],
        a.runs.map((r) => [r.concurrency, r.target, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.addedMs.p50, r.addedMs.p90, r.addedMs.p99, r.rps]),
      ),
    );
  }
  const k = results['kong-driver'] as { runs?: Array<{ target: string; latencyMs: P; addedMs: P; requests: number }> } | undefined;
  if (k?.runs) {
    out.push('\nKong stand-ins with the no-op plugin, 1 client, interleaved (ms; added = target - direct)');
    out.push(
      table(
        ['target', 'p50', 'p99', '+p50', '+p99', 'req'],
        k.runs.map((r) => [r.target, r.latencyMs.p50, r.latencyMs.p99, r.addedMs.p50, r.addedMs.p99, r.requests]),
      ),
    );
  }
  const t = results.throughput as
    | {
        maxSustainedRps?: number;
        maxSustainedRpsPluginOnly?: number;
        steps?: Array<{
          targetRps: number;
          achievedRps: number;
          addedMs: P;
          pluginAddedMs: P;
          sustained: boolean;
          sustainedPluginOnly: boolean;
          pluginServerCpu: { percentOfOneCore: number };
        }>;
        whereTheTimeGoes?: Record<string, unknown>;
      }
    | undefined;
  if (t?.steps) {
    out.push(
      `\nThroughput: max sustained ${t.maxSustainedRps} rps with added p99 < 10 ms vs direct; ${t.maxSustainedRpsPluginOnly} rps vs the no-op Kong driver (the plugin's share)`,
    );
    out.push(
      table(
        ['target rps', 'achieved', '+p50', '+p99', 'ok', 'plugin +p50', 'plugin +p99', 'ok', 'plugin srv % core'],
        t.steps.map((s) => [
          s.targetRps,
          s.achievedRps,
          s.addedMs.p50,
          s.addedMs.p99,
          s.sustained ? 'yes' : 'no',
          s.pluginAddedMs.p50,
          s.pluginAddedMs.p99,
          s.sustainedPluginOnly ? 'yes' : 'no',
          s.pluginServerCpu.percentOfOneCore,
        ]),
      ),
    );
    const w = t.whereTheTimeGoes as
      | {
          pluginServerCpuMsPerRequest?: number;
          pdkCallsPerRequest?: number;
          accessPhaseRpcMs?: P;
          kongDriverOwnMs?: P;
          translation?: Record<string, { nonStreamingUsPerRequest: number; streamingUsPerStream: number }>;
        }
      | undefined;
    if (w?.pluginServerCpuMsPerRequest !== undefined) {
      out.push(
        `where the time goes: plugin server CPU ${fmt(w.pluginServerCpuMsPerRequest * 1000)} us/request; ${fmt(w.pdkCallsPerRequest!)} PDK calls/request; access-phase RPC p50 ${fmt(w.accessPhaseRpcMs!.p50)} ms; Kong driver itself p50 ${fmt(w.kongDriverOwnMs!.p50)} ms`,
      );
    }
    if (w?.translation) {
      out.push(
        `translation (in-process): ${['openai', 'anthropic'].map((p) => `${p} ${fmt(w.translation![p]!.nonStreamingUsPerRequest)} us/request, ${fmt(w.translation![p]!.streamingUsPerStream)} us/stream`).join('; ')}`,
      );
    }
  }
  const s = results.streaming as
    | {
        results?: Array<{
          providerFormat: string;
          target: string;
          ttftMs: P;
          addedTtftMs: P;
          gapMs: P & { min: number };
          coalescedReads: number;
          preserved: boolean;
          failed: number;
        }>;
      }
    | undefined;
  if (s?.results) {
    out.push('\nStreaming (ms): time to first token, inter-chunk gaps (expected 50)');
    out.push(
      table(
        ['provider', 'target', 'ttft p50', 'ttft p99', '+ttft p50', '+ttft p99', 'gap p50', 'gap min', 'gap p99', 'coalesced', 'preserved', 'failed'],
        s.results.map((r) => [
          r.providerFormat,
          r.target,
          r.ttftMs.p50,
          r.ttftMs.p99,
          r.addedTtftMs.p50,
          r.addedTtftMs.p99,
          r.gapMs.p50,
          r.gapMs.min,
          r.gapMs.p99,
          r.coalescedReads,
          r.preserved ? 'yes' : 'no',
          r.failed,
        ]),
      ),
    );
  }
  const c = results['config-propagation'] as { propagationMs?: P & { n: number } } | undefined;
  if (c?.propagationMs)
    out.push(
      `\nConfig propagation (write -> first request served with it): p50 ${fmt(c.propagationMs.p50)} ms, p99 ${fmt(c.propagationMs.p99)} ms over ${c.propagationMs.n} writes`,
    );
  const i = results['trace-ingest'] as
    | {
        ingest?: { tracesPerSecond: number; batchSize: number };
        restart?: { served: number; tracesStored: number; lost: number; non2xx: number; controlPlaneDownMs: number };
      }
    | undefined;
  if (i?.ingest) out.push(`Trace ingest: ${fmt(i.ingest.tracesPerSecond)} traces/s (batches of ${i.ingest.batchSize})`);
  if (i?.restart)
    out.push(
      `Control plane down ${fmt(i.restart.controlPlaneDownMs / 1000)} s under load: served ${i.restart.served} (non-2xx ${i.restart.non2xx}), traces stored ${i.restart.tracesStored}, lost ${i.restart.lost}`,
    );
  const m = results.memory as
    | {
        streamsOpen?: number;
        valid?: boolean;
        pluginServerRssMiB?: { before: number; withStreamsOpen: number };
        kibPerOpenStream?: number;
        heapKibPerOpenStream?: number;
        marginalHeapKibPerStream?: number;
        pooledConnections?: AgentTurnMemory;
        agentTurn?: AgentTurnMemory;
        responsesAgentTurn?: AgentTurnMemory;
        providerOverTls?: AgentTurnMemory & { providerRequestsByHttpVersion: Record<string, number>; providerTlsConnectionsOpened: number };
        connectionsNewAgain?: AgentTurnMemory & { providerConnectionsOpened: number };
      }
    | undefined;
  if (m?.pluginServerRssMiB)
    out.push(
      `Memory: ${m.streamsOpen} open streams: plugin server RSS ${fmt(m.pluginServerRssMiB.before)} -> ${fmt(m.pluginServerRssMiB.withStreamsOpen)} MiB after gc (${fmt(m.kibPerOpenStream!)} KiB RSS, ${fmt(m.heapKibPerOpenStream!)} KiB JS heap per stream, ${fmt(m.marginalHeapKibPerStream!)} for each of the second half)${m.valid ? '' : ' NOT VALID: not every stream open and held'}`,
    );
  for (const [label, t] of [
    ['one-line requests, connections pooled', m?.pooledConnections],
    ['agent turns', m?.agentTurn],
    ['agent turns, Responses API', m?.responsesAgentTurn],
    [
      `one-line requests, provider over TLS (${Object.keys(m?.providerOverTls?.providerRequestsByHttpVersion ?? {})
        .map((v) => `HTTP/${v.replace(/\.0$/, '')}`)
        .join(', ')}, ${m?.providerOverTls?.providerTlsConnectionsOpened} connections)`,
      m?.providerOverTls,
    ],
    [`one-line requests, connections new again (${m?.connectionsNewAgain?.providerConnectionsOpened} to the provider)`, m?.connectionsNewAgain],
  ] as const) {
    if (t)
      out.push(
        `Memory, ${label} (${fmt(t.requestBytes / 1024)} KiB requests): ${fmt(t.kibPerOpenStream)} KiB RSS, ${fmt(t.heapKibPerOpenStream)} KiB JS heap per stream, ${fmt(t.marginalHeapKibPerStream)} for each of the second half${t.valid ? '' : ' NOT VALID'}`,
      );
  }
  if (results.peers && !results.peers.error) out.push(`\n${peersTable(results.peers as never)}`);
  const cs = results['cold-start'] as { byPause?: Array<{ pauseMs: number; firstAddedMs: number[] }> } | undefined;
  if (cs?.byPause)
    out.push(
      `\nFirst request after a reload (a new plugin server), added ms: ${cs.byPause.map((b) => `${b.firstAddedMs.map(fmt).join(', ')} after ${b.pauseMs} ms`).join('; ')}`,
    );
  const sh = results.shadow as { runs?: Array<{ concurrency: number; latencyMs: { off: P; on: P }; addedMs: P }> } | undefined;
  if (sh?.runs) {
    out.push('\nShadow traffic at 100 % vs off, client latency (ms)');
    out.push(
      table(
        ['conc', 'off p50', 'off p99', 'on p50', 'on p99', '+p50', '+p99'],
        sh.runs.map((r) => [r.concurrency, r.latencyMs.off.p50, r.latencyMs.off.p99, r.latencyMs.on.p50, r.latencyMs.on.p99, r.addedMs.p50, r.addedMs.p99]),
      ),
    );
  }
  type SweepWindow = { appliedPerSecond: number };
  const scale = results['traces-at-scale'] as
    | {
        steps?: Array<{ stored: number; ingestTracesPerSecond: number; bytesPerTrace?: number; queriesMs: Record<string, P | { status: number }> }>;
        sweep?: { before: SweepWindow; during: SweepWindow; after: SweepWindow; changePercent: number; sweepMs: number };
      }
    | undefined;
  if (scale?.steps) {
    const names = Object.keys(scale.steps[0]!.queriesMs);
    out.push('\nTraces at scale (ms, p50 / p99)');
    out.push(
      table(
        ['stored', ...names, 'ingest/s', 'B/trace'],
        scale.steps.map((s) => [
          s.stored,
          ...names.map((n) => {
            const q = s.queriesMs[n];
            return q && 'p50' in q ? `${fmt(q.p50)} / ${fmt(q.p99)}` : String((q as { status?: number } | undefined)?.status ?? '-');
          }),
          s.ingestTracesPerSecond,
          s.bytesPerTrace ?? '-',
        ]),
      ),
    );
    if (scale.sweep)
      out.push(
        `retention sweep of the stored day while ingesting: ${scale.sweep.before.appliedPerSecond} before, ${scale.sweep.during.appliedPerSecond} during, ${scale.sweep.after.appliedPerSecond} after (traces/s applied; ${scale.sweep.changePercent} %), sweep ${scale.sweep.sweepMs} ms`,
      );
  }
  const peer = results['peer-mlflow'] as { status?: { available: boolean; version?: string; reason?: string } } | undefined;
  if (peer?.status) out.push(`MLflow: ${peer.status.available ? `measured, version ${peer.status.version}` : `not measured: ${peer.status.reason}`}`);
  return out.join('\n');
}

if (require.main === module) {
  runBench(process.argv.slice(2)).then(
    ({ failed }) => process.exit(failed.length ? 1 : 0),
    (err: Error) => {
      console.error(err.stack ?? err);
      process.exit(1);
    },
  );
}
