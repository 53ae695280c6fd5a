// Where our one-client tail comes from (issue 13): sequential keep-alive
// requests, alternating between the fake provider directly and the gateway,
// timed with process.hrtime, with each gateway request's own stages:
//   - the data worker's own work (x-gateway-overhead-ms: ticket to answer,
//     provider wait excluded);
//   - the rest (Kong stand-in, access phase, hops) = added - own work.
// Slow requests are listed with their phase within the trace-flush period,
// which shows whether periodic work lines up with them.
//   node dist/bench/tail-probe.js [requests=400] [trace_flush_ms=1000] [idle ms before the first request=5000]
// Prints JSON; not part of `npm run bench` (a diagnostic, run it before and
// after a change on the same machine). TAIL_PROBE_GC=1 also logs every
// garbage collection of every process and thread of the stack (gc-log.ts)
// and lists, per slow request, the collections that overlapped it.
import http from 'node:http';
import os from 'node:os';
import { percentiles, sleep, startFakeProcess } from './lib';
import { CHAT_BODY } from './setup';
import { createSecret, putEndpoint, startBenchStack } from './stack';
import { startFerretDB } from '../control-plane/loaders/ferretdb';
import { sharedHostNice } from '../control-plane/process-priority';
import fs from 'node:fs';
import path from 'node:path';
import { readGcLogs, startGcLog, type GcEntry } from './gc-log';

const agentDirect = new http.Agent({ keepAlive: true, maxSockets: 1 });
const agentGateway = new http.Agent({ keepAlive: true, maxSockets: 1 });

function once(url: string, body: string, agent: http.Agent): Promise<{ ms: number; status: number; own: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: res.statusCode ?? 0, own: Number(res.headers['x-gateway-overhead-ms'] ?? NaN) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const n = Number(process.argv[2] ?? 400);
  const flushMs = Number(process.argv[3] ?? 1000);
  const idleBeforeFirstMs = Number(process.argv[4] ?? 5000);
  const cleanups: Array<() => Promise<void>> = [];
  const gcDir = process.env.TAIL_PROBE_GC === '1' ? fs.mkdtempSync(path.join(os.tmpdir(), 'tail-gc-')) : undefined;
  if (gcDir) {
    // Every process started from here on loads the logger (the plugin server through the stand-in's kept variables).
    process.env.BENCH_GC_LOG_DIR = gcDir;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'gc-log.js')}`.trim();
    startGcLog(gcDir);
  }
  try {
    if (!process.env.MONGODB_URI) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-db-'));
      const db = await startFerretDB({ dataDir, nice: sharedHostNice() });
      process.env.MONGODB_URI = db.uri;
      cleanups.push(() => db.stop());
    }
    const fake = await startFakeProcess({ delayMs: 20, chunks: 5, gapMs: 50, ports: 1 });
    cleanups.push(() => fake.close());
    const stack = await startBenchStack({ trace_flush_ms: flushMs });
    cleanups.push(() => stack.close());
    await createSecret(stack, 'bench-openai', 'openai', { apiKey: 'sk-bench' });
    await putEndpoint(stack, {
      name: 'bench',
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model: 'bench', secret: 'bench-openai', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
    });
    const gw = `${stack.openaiBaseUrl}/chat/completions`;
    const body = CHAT_BODY('bench');
    // Kong runs a while before its first request; nothing has reached the gateway yet: the first request starts the data worker (cold start).
    await sleep(idleBeforeFirstMs);
    const first = await once(gw, body, agentGateway);
    const second = await once(gw, body, agentGateway);
    if (first.status !== 200) throw new Error(`first request answered ${first.status}`);
    // The first seconds after start, when start-up work scheduled for later runs (the tokenizer warm-up was at 5 s).
    const early: Array<{ at: number; ms: number }> = [];
    const e0 = performance.now();
    while (performance.now() - e0 < 8_000) {
      const at = performance.now() - e0;
      early.push({ at, ms: (await once(gw, body, agentGateway)).ms });
    }
    const worstEarly = early.reduce((a, b) => (b.ms > a.ms ? b : a));
    for (let i = 0; i < 20; i++) {
      await once(gw, body, agentGateway);
      await once(`${fake.url}/v1/chat/completions`, body, agentDirect);
    }
    const direct: number[] = [];
    const gateway: Array<{ at: number; ms: number; own: number }> = [];
    const t0 = performance.now();
    // CLOCK_MONOTONIC, as `perf record -k CLOCK_MONOTONIC` stamps events: lines slow requests up with a scheduler trace.
    const t0MonotonicNs = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      direct.push((await once(`${fake.url}/v1/chat/completions`, body, agentDirect)).ms);
      const at = performance.now() - t0;
      const g = await once(gw, body, agentGateway);
      if (g.status !== 200) throw new Error(`gateway answered ${g.status}`);
      gateway.push({ at, ms: g.ms, own: g.own });
    }
    const d = percentiles(direct);
    const g = percentiles(gateway.map((x) => x.ms));
    const own = percentiles(gateway.map((x) => x.own));
    const rest = percentiles(gateway.map((x) => x.ms - d.p50 - x.own));
    const runMs = performance.now() - t0;
    const t0Ms = Number(t0MonotonicNs) / 1e6;
    if (gcDir) await sleep(2_500); // the loggers write every 2 s
    const gcs = gcDir ? readGcLogs(gcDir) : [];
    const slow = gateway
      .filter((x) => x.ms - d.p50 > 2 * (g.p50 - d.p50) + 1)
      .map((x) => ({
        atMs: Math.round(x.at),
        addedMs: +(x.ms - d.p50).toFixed(2),
        ownMs: x.own,
        phaseInFlush: +((x.at % flushMs) / flushMs).toFixed(2),
        ...(gcDir ? { collections: overlapping(gcs, t0Ms + x.at, t0Ms + x.at + x.ms) } : {}),
      }));
    console.log(
      JSON.stringify(
        {
          requests: n,
          traceFlushMs: flushMs,
          t0MonotonicNs: String(t0MonotonicNs),
          standin: stack.driver.kind,
          loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
          coldStart: { idleBeforeFirstMs, firstRequestAddedMs: first.ms - d.p50, secondRequestAddedMs: second.ms - d.p50 },
          first8s: { requests: early.length, p50Ms: percentiles(early.map((x) => x.ms)).p50, worstMs: worstEarly.ms, worstAtMs: worstEarly.at },
          directMs: d,
          addedMs: { p50: g.p50 - d.p50, p90: g.p90 - d.p50, p99: g.p99 - d.p50 },
          dataWorkerOwnMs: own,
          restMs: rest,
          ...(gcDir ? { collections: gcSummary(gcs, t0Ms, t0Ms + runMs) } : {}),
          slowCount: slow.length,
          slow: slow.slice(0, 30),
        },
        (_k, v) => (typeof v === 'number' ? +v.toFixed(3) : v),
        1,
      ),
    );
  } finally {
    agentDirect.destroy();
    agentGateway.destroy();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** Collections of 0.25 ms or more that overlapped [from, to] (monotonic ms). */
function overlapping(gcs: Array<{ label: string; entries: GcEntry[] }>, from: number, to: number): string[] {
  return gcs.flatMap(({ label, entries }) =>
    entries.filter((e) => e.ms >= 0.25 && e.at <= to && e.at + e.ms >= from).map((e) => `${label}: ${e.kind}${e.forced ? ' (forced)' : ''} ${e.ms} ms`),
  );
}

/** Per thread, count / total ms / longest of each kind of collection within [from, to]. */
function gcSummary(gcs: Array<{ label: string; entries: GcEntry[] }>, from: number, to: number): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const { label, entries } of gcs) {
    const byKind: Record<string, number[]> = {};
    for (const e of entries) if (e.at >= from && e.at <= to) (byKind[e.kind] ??= []).push(e.ms);
    const kinds = Object.entries(byKind);
    if (kinds.length > 0)
      out[label] = Object.fromEntries(
        kinds.map(([k, ms]) => [k, `${ms.length}, ${ms.reduce((a, b) => a + b, 0).toFixed(1)} ms in all, longest ${Math.max(...ms).toFixed(2)}`]),
      );
  }
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
