// The product stack for the benchmark: the same parts as test/e2e/stack.ts,
// resolved from the repository root so it works compiled to dist/bench, with
// one difference: the control plane runs as its own process
// (dist/control-plane/main.js), as in production. The harness (which hosts
// the Kong driver) then does not share an event loop with it, and a
// control-plane outage is a real stop of that process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { parse } from 'yaml';
import { loadConfig } from '../control-plane/config';
import { signToken } from '../control-plane/middleware/verify-token';
import { freePort } from '../control-plane/loaders/free-port';
import { sharedHostNice } from '../control-plane/process-priority';
import { testDbUri } from '../test/helpers/db';
import { startKongStandin, type KongStandin } from '../local/kong-standin';
import { selfSignedTls } from '../test/helpers/self-signed-tls';
import { Schema } from '../plugin/schema';
import { ROOT, sleep } from './lib';

const TRACE_FLUSH_DEFAULT_MS = (Schema.find((f) => 'trace_flush_ms' in f) as { trace_flush_ms: { default: number } }).trace_flush_ms.default;

export interface BenchStack {
  controlPlaneUrl: string;
  controlPlanePid(): number | undefined;
  driver: KongStandin;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  dataplaneToken: string;
  adminToken: string;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Traces stored for an endpoint, counted by the usage API once its count stops changing. */
  countTraces(endpoint: string): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; says how it went. */
  stopControlPlane(graceMs?: number): Promise<{ graceful: boolean; ms: number }>;
  startControlPlaneAgain(): Promise<void>;
  /** The plugin server's RSS and JS heap (all threads), each read after a full collection (bench/heap-probe.ts). */
  pluginServerMemory(): Promise<{ rss: number; heapUsed: number; arrayBuffers: number; threads: Array<{ thread: number; heapUsed: number }> }>;
  close(): Promise<void>;
}

export async function startBenchStack(plugin: Record<string, unknown> = {}): Promise<BenchStack> {
  const { uri } = testDbUri('bench');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // As deployed: test mode validates every response against openapi.yaml, which the first snapshot poll (cold start) paid for.
    NODE_ENV: 'production',
    MONGODB_URI: uri,
    CONTROL_PLANE_HOST: '127.0.0.1',
    CONTROL_PLANE_PORT: String(port),
    GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-cp-')),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_KEK: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    // As npm start runs it (local/start.ts): background work at nice 10.
    GATEWAY_NICE: String(sharedHostNice()),
    // The fake provider listens on loopback.
    GATEWAY_OUTBOUND_ALLOW: 'loopback',
    LLM_GATEWAY_OUTBOUND_ALLOW: 'loopback',
  };
  const config = loadConfig(env);
  const controlPlaneUrl = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const startCp = async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/control-plane/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    proc = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`${controlPlaneUrl}/api/v1/dataplane/snapshot`, { headers: { authorization: 'Bearer x' } }).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`control plane did not start (exit ${child.exitCode})`);
      await sleep(50);
    }
  };
  const stopCp = async (graceMs = 5000) => {
    const child = proc;
    proc = undefined;
    const t0 = performance.now();
    if (!child || child.exitCode !== null) return { graceful: true, ms: 0 };
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const graceful = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!graceful) {
      child.kill('SIGKILL');
      await exited;
    }
    return { graceful, ms: performance.now() - t0 };
  };
  await startCp();
  const adminToken = signToken(config.jwt, { sub: 'bench-admin', role: 'admin' }, 24 * 3600);
  const dataplaneToken = signToken(config.jwt, { sub: 'bench-dataplane', role: 'dataplane' }, 24 * 3600);
  const mongo = await mongoose.mongo.MongoClient.connect(uri);
  const viewerToken = signToken(config.jwt, { sub: 'bench-viewer', role: 'viewer' }, 24 * 3600);
  const started = Date.now();
  const countOnce = async (endpoint: string) => {
    const q = new URLSearchParams({ from: new Date(started - 86_400_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString(), endpoint });
    const res = await fetch(`${controlPlaneUrl}/api/v1/usage/summary?${q.toString()}`, { headers: { authorization: `Bearer ${viewerToken}` } });
    if (res.status !== 200) throw new Error(`usage summary: ${res.status}`);
    return ((await res.json()) as { groups: Array<{ requests: number }> }).groups.reduce((n, g) => n + g.requests, 0);
  };
  // Settled: the same count across more than one trace flush period of the plugin.
  const flushMs = Number(plugin.trace_flush_ms ?? TRACE_FLUSH_DEFAULT_MS);
  const countTraces = async (endpoint: string) => {
    let last = -1;
    for (let i = 0; i < 60; i++) {
      const n = await countOnce(endpoint);
      if (n === last) return n;
      last = n;
      await sleep(Math.max(500, flushMs + 250));
    }
    return last;
  };

  const kongYml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
  Object.assign(kongYml.services[0]!.plugins[0]!.config, {
    control_plane_url: controlPlaneUrl,
    dataplane_token: dataplaneToken,
    data_port: 0,
    state_dir: mkdtempSync(join(tmpdir(), 'bench-dp-')),
    // trace_flush_ms: the product's default, as deployed (every 100 ms cost 2-3 % of the c=50 rate, RESULTS §52).
    config_wait_seconds: 5,
    ...plugin,
  });
  const heapFile = join(mkdtempSync(join(tmpdir(), 'bench-heap-')), 'heap.json');
  // nginx when installed (KONG_STANDIN=js for the JS driver), as the tests and npm start.
  const driver = await startKongStandin({
    kongYml,
    pluginsDir: join(ROOT, 'dist/plugin/kong'),
    // Exporter counts reach /metrics within a second (otel-exporter scenario); fake providers listen on loopback.
    env: {
      ...process.env,
      LLM_GATEWAY_LOG: process.env.LLM_GATEWAY_LOG ?? 'silent',
      LLM_GATEWAY_TELEMETRY_REPORT_MS: '1000',
      LLM_GATEWAY_OUTBOUND_ALLOW: 'loopback',
      // The fake provider's TLS origins, trusted as an operator trusts a private CA.
      NODE_EXTRA_CA_CERTS: selfSignedTls().certFile,
      // Idle until the memory scenario asks (SIGUSR2); --expose-gc so that it reads what is live, not what awaits collection.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc --require ${join(ROOT, 'dist/bench/heap-probe.js')}`.trim(),
      BENCH_HEAP_FILE: heapFile,
    },
    keepEnv: [
      'NODE_OPTIONS',
      'BENCH_HEAP_FILE',
      'BENCH_GC_LOG_DIR',
      'BENCH_HEAP_SNAPSHOTS',
      'LLM_GATEWAY_LOG',
      'LLM_GATEWAY_SPARE_WORKER',
      'LLM_GATEWAY_DATA_WORKERS',
      'LLM_GATEWAY_BUDGET_SLICES',
      'LLM_GATEWAY_BUDGET_TIMEOUT_MS',
      'LLM_GATEWAY_TELEMETRY_REPORT_MS',
      'LLM_GATEWAY_OUTBOUND_ALLOW',
      'LLM_GATEWAY_UPSTREAM_HTTP2',
      'NODE_EXTRA_CA_CERTS',
    ],
  });
  return {
    controlPlaneUrl,
    controlPlanePid: () => proc?.pid,
    driver,
    openaiBaseUrl: `${driver.url}/gateway/openai/v1`,
    anthropicBaseUrl: `${driver.url}/gateway/anthropic`,
    dataplaneToken,
    adminToken,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${controlPlaneUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    countTraces,
    stopControlPlane: stopCp,
    startControlPlaneAgain: startCp,
    async pluginServerMemory() {
      const pid = driver.pluginServerPid();
      if (!pid) throw new Error('no plugin server running');
      const asked = Date.now();
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 100; i++) {
        await sleep(100);
        const m = (() => {
          try {
            return JSON.parse(readFileSync(heapFile, 'utf8')) as {
              at: number;
              rss: number;
              heapUsed: number;
              arrayBuffers: number;
              threads: Array<{ thread: number; heapUsed: number }>;
            };
          } catch {
            return undefined;
          }
        })();
        if (m && m.at >= asked) return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, threads: m.threads };
      }
      throw new Error('the plugin server did not report its heap (bench/heap-probe.ts preloaded?)');
    },
    async close() {
      await driver.close();
      await stopCp();
      await mongo
        .db(new URL(uri).pathname.slice(1))
        .dropDatabase()
        .catch(() => undefined);
      await mongo.close();
    },
  };
}

export async function createSecret(stack: BenchStack, name: string, provider: string, value: Record<string, string>): Promise<void> {
  const res = await stack.api('POST', '/api/v1/secrets', { name, provider, value });
  if (res.status !== 201) throw new Error(`secret create failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function putEndpoint(stack: BenchStack, endpoint: Record<string, unknown> & { name: string }): Promise<void> {
  const existing = await stack.api('GET', `/api/v1/endpoints/${endpoint.name}`);
  const res =
    existing.status === 200 ? await stack.api('PUT', `/api/v1/endpoints/${endpoint.name}`, endpoint) : await stack.api('POST', '/api/v1/endpoints', endpoint);
  if (res.status >= 300) throw new Error(`endpoint write failed: ${res.status} ${JSON.stringify(res.body)}`);
}
