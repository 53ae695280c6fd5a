// Scenario otel-exporter: what an OpenTelemetry exporter costs the data path.
// The same load through the gateway with no exporter, with an exporter whose
// backend answers (a local OTLP sink), with one whose backend is down
// (connection refused) and one whose backend accepts connections and never
// answers (the worst case: every export waits for its timeout). Spans lost
// while the backend is down are read from the control plane's /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import type { LoadResult } from './client-worker';
import { percentiles, sleep } from './lib';
import type { Profile } from './scenarios';
import { CHAT_BODY, type Env } from './setup';

type Mode = 'off' | 'up' | 'down-refused' | 'down-hanging';

export async function otelExporter(env: Env, p: Profile, log: (s: string) => void) {
  const sink = await startSink();
  const hanging = await startHangingServer();
  const refusedPort = await closedPort();
  const urls: Record<Exclude<Mode, 'off'>, string> = {
    up: `${sink.url}/v1/traces`,
    'down-refused': `http://127.0.0.1:${refusedPort}/v1/traces`,
    'down-hanging': `http://127.0.0.1:${hanging.port}/v1/traces`,
  };
  const url = `${env.stack.openaiBaseUrl}/chat/completions`;
  const body = CHAT_BODY(env.endpoints.openai);
  const runs: Array<Record<string, unknown>> = [];
  try {
    for (const mode of ['off', 'up', 'down-refused', 'down-hanging', 'off'] as Mode[]) {
      await configure(env, mode === 'off' ? undefined : urls[mode]);
      const droppedBefore = await droppedSpans(env);
      for (const c of p.concurrencies.filter((x) => x <= 50)) {
        await run(env, url, body, c, p.warmupS);
        const exportsBefore = sink.exports;
        const r = await run(env, url, body, c, p.measureS);
        const lat = percentiles(r.latenciesMs);
        const non2xx = Object.entries(r.statuses).reduce((n, [s, k]) => (s.startsWith('2') ? n : n + k), 0);
        runs.push({
          mode,
          concurrency: c,
          requests: r.requests,
          rps: (1000 * r.requests) / r.elapsedMs,
          non2xx,
          errors: r.errors,
          latencyMs: lat,
          sinkExports: sink.exports - exportsBefore,
        });
        log(`  ${mode.padEnd(13)} c=${c} p50 ${lat.p50.toFixed(2)} p99 ${lat.p99.toFixed(2)} ms (${r.requests} req, non-2xx ${non2xx})`);
      }
      // Smoke runs (a second of load) skip the wait for the export timeout.
      if (mode.startsWith('down') && p.measureS >= 5) {
        // Counts reach /metrics with the data plane's next report (every second here) once the exports failed (10 s timeout).
        const deadline = Date.now() + 45_000;
        let dropped = await droppedSpans(env);
        while (dropped === droppedBefore && Date.now() < deadline) {
          await sleep(1000);
          dropped = await droppedSpans(env);
        }
        runs.push({ mode, droppedSpansCounted: dropped - droppedBefore });
        log(`  ${mode}: ${dropped - droppedBefore} spans counted as dropped on /metrics`);
      }
    }
  } finally {
    await configure(env, undefined);
    sink.server.close();
    hanging.close();
  }
  const base = (c: number) => runs.find((r) => r.mode === 'off' && r.concurrency === c)?.latencyMs as ReturnType<typeof percentiles> | undefined;
  const vsOff = runs
    .filter((r) => r.latencyMs && r.mode !== 'off')
    .map((r) => {
      const b = base(r.concurrency as number)!;
      const l = r.latencyMs as ReturnType<typeof percentiles>;
      return { mode: r.mode, concurrency: r.concurrency, p50DeltaMs: l.p50 - b.p50, p99DeltaMs: l.p99 - b.p99 };
    });
  return {
    note: 'Latency through the gateway (fake provider answering after its delay) with no exporter, an exporter to a live OTLP sink, to a refused port, and to a server that never answers; "off" runs first and last. Deltas against the first "off" run.',
    runs,
    vsOff,
  };
}

async function configure(env: Env, url: string | undefined): Promise<void> {
  const existing = await env.stack.api('GET', '/api/v1/telemetry/exporters/bench');
  if (existing.status === 200) await env.stack.api('DELETE', '/api/v1/telemetry/exporters/bench');
  if (url) {
    const res = await env.stack.api('POST', '/api/v1/telemetry/exporters', { name: 'bench', url });
    if (res.status !== 201) throw new Error(`exporter create failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await sleep(1500); // the snapshot reaches the data plane within about a second
}

async function droppedSpans(env: Env): Promise<number> {
  const res = await fetch(`${env.stack.controlPlaneUrl}/metrics`, { headers: { authorization: `Bearer ${env.stack.adminToken}` } });
  const m = /llm_gateway_otel_spans_dropped_total\{exporter="bench"\} (\d+)/.exec(await res.text());
  return m ? Number(m[1]) : 0;
}

function run(env: Env, url: string, body: string, connections: number, durationS: number): Promise<LoadResult> {
  return env.client.run<LoadResult>({
    type: 'load',
    url,
    body,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
    connections,
    durationS,
  });
}

/** A live OTLP/HTTP receiver: answers 200 to every export request and counts them. */
async function startSink(): Promise<{ server: Server; url: string; exports: number }> {
  const state = { exports: 0 };
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      state.exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    get exports() {
      return state.exports;
    },
  };
}

/** Accepts connections and never answers. */
async function startHangingServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
