// CI runs the benchmark harness in smoke mode (tiny load, seconds per
// scenario) and checks that every result file has the expected fields. It
// runs the compiled harness (`npm test` builds first), as `npm run bench` does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nginxAvailable } from '../local/kong-nginx/find-nginx';
import { UPSTREAM_HTTP2 } from '../plugin/upstream/undici-parts';

const ROOT = path.resolve(__dirname, '..');
// A temp results dir: a smoke run must never overwrite a full run's bench/results.
const RESULTS = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
const read = (name: string) => JSON.parse(fs.readFileSync(path.join(RESULTS, `${name}.json`), 'utf8')) as Record<string, any>;

const isP = (p: unknown) => {
  const x = p as Record<string, number>;
  return ['n', 'p50', 'p90', 'p99', 'min', 'max'].every((k) => typeof x?.[k] === 'number');
};

test('bench --smoke runs every scenario and writes complete results', { timeout: 360_000 }, () => {
  const runJs = path.join(ROOT, 'dist/bench/run.js');
  assert.ok(fs.existsSync(runJs), 'dist/bench/run.js is missing: run `npm run build` first');
  const started = Date.now();
  const res = spawnSync(process.execPath, [runJs, '--smoke'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 340_000,
    env: { ...process.env, BENCH_RESULTS_DIR: RESULTS },
  });
  assert.equal(res.status, 0, `bench --smoke failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  assert.match(res.stdout, /Added latency, non-streaming/);

  for (const name of [
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
  ]) {
    const r = read(name);
    assert.equal(r.scenario, name);
    assert.equal(r.error, undefined, `${name}: ${r.error}`);
    assert.ok(fs.statSync(path.join(RESULTS, `${name}.json`)).mtimeMs >= started - 1000, `${name}.json was written by this run`);
    for (const k of ['cpuModel', 'cores', 'memoryGiB', 'node', 'loadAverage']) assert.ok(r.machine?.[k] !== undefined, `${name}: machine.${k}`);
    assert.equal(r.settings?.mode, 'smoke');
    if (name !== 'traces-at-scale') assert.equal(typeof r.mlflow?.available, 'boolean');
  }

  const scale = read('traces-at-scale');
  assert.ok(scale.steps.length > 0);
  for (const step of scale.steps) {
    assert.equal(step.countedByUsage, step.stored, 'usage counts every stored trace');
    assert.ok(step.ingestTracesPerSecond > 0);
    for (const q of ['summary by endpoint (24 h)', 'series hourly by endpoint (24 h)', 'traces first page', 'traces user=u7', 'traces second page']) {
      assert.ok(isP(step.queriesMs[q]), `${q}: percentiles`);
    }
  }
  assert.ok(scale.sweep.report.dropped.length > 0, 'the sweep dropped the stored day');
  for (const w of ['before', 'during', 'after']) assert.ok(scale.sweep[w].appliedPerSecond > 0, `traces applied ${w} the sweep`);
  assert.ok(scale.sweep.during.seconds * 1000 >= scale.sweep.sweepMs - 1_000, 'the window during the sweep lasts as long as the sweep');

  const a = read('added-latency');
  for (const target of ['direct', 'kong-driver-noop', 'gateway']) {
    const run = a.runs.find((x: { target: string }) => x.target === target);
    assert.ok(run, `added-latency has ${target}`);
    assert.ok(isP(run.latencyMs) && run.latencyMs.n > 0, `${target}: percentiles from samples`);
    assert.equal(typeof run.addedMs.p99, 'number');
    assert.equal(run.non2xx, 0, `${target}: no errors`);
  }
  assert.ok(Object.values(a.gatewayDriverStats).every((s: any) => s.pdkCallsPerRequest > 0));

  const k = read('kong-driver');
  for (const target of ['direct', 'kong-driver-noop', ...(nginxAvailable() ? ['kong-nginx-noop'] : [])]) {
    const run = k.runs.find((x: { target: string }) => x.target === target);
    assert.ok(run && run.requests > 0 && isP(run.latencyMs), `kong-driver has ${target}`);
    assert.equal(run.non2xx, 0, `${target}: no errors`);
  }

  const t = read('throughput');
  assert.equal(typeof t.maxSustainedRps, 'number');
  assert.equal(typeof t.maxSustainedRpsPluginOnly, 'number');
  assert.ok(t.steps.length > 0 && isP(t.steps[0].gateway) && isP(t.steps[0].noopDriver) && typeof t.steps[0].pluginServerCpu.cpuMsPerRequest === 'number');
  assert.equal(typeof t.whereTheTimeGoes.translation.openai.nonStreamingUsPerRequest, 'number');
  assert.equal(typeof t.whereTheTimeGoes.translation.anthropic.streamingUsPerStream, 'number');

  const s = read('streaming');
  for (const format of ['openai', 'anthropic']) {
    for (const target of ['direct', 'gateway']) {
      const r = s.results.find((x: { providerFormat: string; target: string }) => x.providerFormat === format && x.target === target);
      assert.ok(r, `streaming ${format}/${target}`);
      assert.equal(r.failed, 0, `${format}/${target}: no failed streams`);
      assert.ok(isP(r.ttftMs) && isP(r.gapMs) && typeof r.addedTtftMs.p50 === 'number' && typeof r.coalescedReads === 'number');
    }
  }

  const c = read('config-propagation');
  assert.ok(isP(c.propagationMs) && c.propagationMs.n > 0);

  const i = read('trace-ingest');
  assert.ok(i.ingest.tracesPerSecond > 0 && i.ingest.stored === i.ingest.sent);
  assert.ok(i.restart.served > 0);
  // Below 0: traces of requests autocannon stopped waiting for at the end (they were handled, and traced, all the same).
  assert.ok(i.restart.lost <= 0, `no trace lost across the control-plane restart (lost ${i.restart.lost})`);

  const sh = read('shadow');
  assert.ok(sh.runs.length > 0);
  for (const run of sh.runs) {
    assert.ok(isP(run.latencyMs.off) && isP(run.latencyMs.on) && typeof run.addedMs.p99 === 'number');
    assert.deepEqual(run.non2xx, { off: 0, on: 0 });
  }
  assert.ok(sh.tracesOfShadowedEndpoint > sh.runs.reduce((n: number, r: { requests: { on: number } }) => n + r.requests.on, 0), 'shadow traces stored');

  const m = read('memory');
  assert.equal(m.streamsOpen, m.streamsRequested);
  assert.equal(m.heldAtProvider, m.streamsOpen, 'each open stream is held at the provider');
  assert.ok(m.valid);
  assert.ok(m.pluginServerRssMiB.withStreamsOpen > 0);
  assert.ok(m.pluginServerHeapMiB.withStreamsOpen > 0 && m.heapMiBByThread.withStreamsOpen.length >= 2, 'the JS heap of the main thread and the data worker');
  assert.ok(
    Number.isFinite(m.arrayBufferKibPerOpenStream) && Number.isFinite(m.agentTurn.arrayBufferKibPerOpenStream),
    'array buffers per stream, read in every thread',
  );
  // Opened in two halves: what the second half added per stream, a reading of its own.
  assert.ok(Number.isFinite(m.marginalHeapKibPerStream) && Number.isFinite(m.agentTurn.marginalHeapKibPerStream), 'heap per stream of the second half');
  assert.ok(m.pooledConnections.valid && m.pooledConnections.requestBytes === m.requestBytes, 'the one-liner again, every stream open and held');
  assert.equal(m.pooledConnections.providerConnectionsOpened, 0, 'the one-liner again on the provider connections of the first');
  assert.equal(m.connectionsNewAgain, undefined, 'no wait for idle connections to close in a smoke run');
  assert.ok(m.agentTurn.valid, 'every agent-turn stream open and held');
  assert.ok(m.agentTurn.requestBytes > 20_000 && m.requestBytes < 200, 'an agent turn is the large request, the other a one-liner');
  assert.ok(m.responsesAgentTurn.valid, 'every agent-turn stream through the Responses API open and held');
  assert.ok(m.responsesAgentTurn.requestBytes > 18_000, 'the Responses API agent turn is the same large request');
  // Over TLS, the plugin server (this Node) speaks HTTP/2 to the provider where it loads undici 8: a connection per hundred streams, not per stream.
  assert.ok(m.providerOverTls.valid && m.providerOverTlsPooled.valid, 'every stream to the TLS origins open and held');
  assert.deepEqual(m.providerOverTls.providerRequestsByHttpVersion, { [UPSTREAM_HTTP2 ? '2.0' : '1.1']: m.streamsOpen });
  const perOrigin = Math.ceil(m.streamsOpen / m.providerOverTls.providerOrigins);
  assert.ok(
    UPSTREAM_HTTP2
      ? // A session per hundred streams per origin, in each data worker (one per core at most).
        m.providerOverTls.providerTlsConnectionsOpened <= m.providerOverTls.providerOrigins * Math.ceil(perOrigin / 100) * os.availableParallelism()
      : m.providerOverTls.providerTlsConnectionsOpened === m.streamsOpen,
    `${m.providerOverTls.providerTlsConnectionsOpened} TLS connections for ${m.streamsOpen} streams`,
  );

  const o = read('otel-exporter');
  const measured = o.runs.filter((r: { latencyMs?: unknown }) => r.latencyMs);
  assert.deepEqual([...new Set(measured.map((r: { mode: string }) => r.mode))], ['off', 'up', 'down-refused', 'down-hanging']);
  for (const r of measured) assert.equal(r.non2xx + r.errors, 0, `${r.mode}: every request answered while the exporter is ${r.mode}`);
  assert.ok(
    measured.some((r: { mode: string; sinkExports: number }) => r.mode === 'up' && r.sinkExports > 0),
    'spans reached the live sink',
  );

  const peers = read('peers');
  for (const target of ['direct', 'gateway (nginx)', 'gateway (js)'].filter((t) => peers.runs.some((r: { target: string }) => r.target === t))) {
    const runs = peers.runs.filter((r: { target: string }) => r.target === target);
    assert.deepEqual(runs.map((r: { concurrency: number }) => r.concurrency).sort(), [1, 10], `peers: ${target} at one client and under load`);
    for (const r of runs) assert.ok(isP(r.latencyMs) && r.latencyMs.n > 0 && r.non2xx === 0, `peers: ${target} c=${r.concurrency} measured`);
  }
  assert.ok(
    peers.runs.some((r: { target: string }) => r.target.startsWith('gateway (')),
    'peers: ours measured',
  );
  for (const p of peers.peers) assert.ok(p.available === true || typeof p.reason === 'string', `peers: ${p.name} measured, or the reason why not`);
  const cold = read('cold-start');
  if (nginxAvailable()) {
    assert.deepEqual(
      cold.byPause.map((b: { pauseMs: number }) => b.pauseMs),
      [0, 1000, 4000],
      'cold-start: the first request after a reload, at once and after pauses',
    );
    for (const r of cold.runs) assert.ok(Number.isFinite(r.firstAddedMs) && Number.isFinite(r.secondAddedMs), 'cold-start: both requests timed');
  } else assert.match(cold.skipped, /cannot reload/);
  const peer = read('peer-mlflow');
  assert.ok(peer.status.available === true || typeof peer.status.reason === 'string', 'MLflow measured, or the reason why not');
});
