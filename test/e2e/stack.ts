// The whole product for end-to-end tests, all real parts: FerretDB (from the
// test runner), the control plane, the real kong-js-pluginserver loading the
// compiled plugin behind a stand-in for Kong (real nginx with OpenResty's Lua
// module when installed, else the JS driver; KONG_STANDIN=nginx|js), and
// fake providers speaking their native wire formats.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, type ControlPlaneConfig } from '../../control-plane/config';
import { signToken } from '../../control-plane/middleware/verify-token';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/server';
import { testDbUri } from '../helpers/db';
import { startKongStandin, type KongStandin } from '../../local/kong-standin';

const ROOT = resolve(__dirname, '../..');
export const PLUGINS_DIR = join(ROOT, 'dist/plugin/kong');

export interface Stack {
  controlPlane: RunningControlPlane;
  /** The first Kong node. */
  driver: KongStandin;
  /** Every Kong node (each its own plugin server: a data plane), all on one control plane. */
  drivers: KongStandin[];
  mongoUri: string;
  dbName: string;
  /** Base URL clients use: http://127.0.0.1:PORT/gateway/openai/v1 */
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  adminToken: string;
  dataplaneToken: string;
  /** The first node's plugin state_dir. */
  stateDir: string;
  /** Admin call to the control plane API; throws on non-2xx unless `expect` says otherwise. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stopControlPlane(): Promise<void>;
  startControlPlaneAgain(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Plugin config overrides (kong.yml's plugin config is the base). */
  plugin?: Record<string, unknown>;
  stateDir?: string;
  /** Kong nodes (data planes) sharing the control plane; default 1. */
  nodes?: number;
  /** Extra control-plane environment (e.g. budget settings). */
  controlPlaneEnv?: Record<string, string>;
  /** Extra plugin-server environment. */
  pluginEnv?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { uri, name: dbName } = testDbUri('e2e');
  const dataDir = mkdtempSync(join(tmpdir(), 'llmgw-cp-'));
  const config: ControlPlaneConfig = loadConfig({
    NODE_ENV: 'test',
    GATEWAY_DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_KEK: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // The fake providers listen on loopback (production refuses loopback targets by default).
    GATEWAY_OUTBOUND_ALLOW: 'loopback',
    ...options.controlPlaneEnv,
  });
  let controlPlane = await startControlPlane({ mongoUri: uri, port: 0, host: '127.0.0.1', config });
  const cpPort = Number(new URL(controlPlane.url).port);
  const adminToken = signToken(config.jwt, { sub: 'e2e-admin', role: 'admin' }, 3600);
  const dataplaneToken = signToken(config.jwt, { sub: 'e2e-dataplane', role: 'dataplane' }, 3600);
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'llmgw-dp-'));

  const drivers: KongStandin[] = [];
  for (let i = 0; i < (options.nodes ?? 1); i++) {
    const kongYml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
    Object.assign(kongYml.services[0]!.plugins[0]!.config, {
      control_plane_url: controlPlane.url,
      dataplane_token: dataplaneToken,
      data_port: 0,
      state_dir: i === 0 ? stateDir : mkdtempSync(join(tmpdir(), `llmgw-dp${i}-`)),
      trace_flush_ms: 100,
      config_wait_seconds: 5,
      ...options.plugin,
    });
    // The fake providers listen on loopback: the plugin may dial it (production refuses it by default).
    const env = { ...process.env, LLM_GATEWAY_LOG: process.env.LLM_GATEWAY_LOG ?? 'silent', LLM_GATEWAY_OUTBOUND_ALLOW: 'loopback', ...options.pluginEnv };
    // The plugin server keeps only these (nginx clears the rest, as Kong does).
    const keepEnv = ['LLM_GATEWAY_LOG', 'LLM_GATEWAY_OUTBOUND_ALLOW', ...Object.keys(options.pluginEnv ?? {})];
    drivers.push(await startKongStandin({ kongYml, pluginsDir: PLUGINS_DIR, env, keepEnv }));
  }
  const driver = drivers[0];
  if (!driver) throw new Error('startStack: no gateway started');
  // The console's playground forwards to this stack's gateway (started after the control plane; the route reads the config per request).
  if (!options.controlPlaneEnv?.PLAYGROUND_GATEWAY_URL) config.playground = { gatewayUrl: driver.url };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${controlPlane.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  let running = true;
  return {
    get controlPlane() {
      return controlPlane;
    },
    driver,
    drivers,
    mongoUri: uri,
    dbName,
    openaiBaseUrl: `${driver.url}/gateway/openai/v1`,
    anthropicBaseUrl: `${driver.url}/gateway/anthropic`,
    adminToken,
    dataplaneToken,
    stateDir,
    api,
    async stopControlPlane() {
      if (!running) return;
      running = false;
      await controlPlane.close();
    },
    async startControlPlaneAgain() {
      controlPlane = await startControlPlane({ mongoUri: uri, port: cpPort, host: '127.0.0.1', config });
      running = true;
    },
    async close() {
      await Promise.all(drivers.map((d) => d.close()));
      if (running) await controlPlane.close();
    },
  };
}

/** Creates a secret and returns its name. */
export async function createSecret(stack: Stack, name: string, provider: string, value: Record<string, string>): Promise<string> {
  const res = await stack.api('POST', '/api/v1/secrets', { name, provider, value });
  if (res.status !== 201) throw new Error(`secret create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}

/** Creates or replaces an endpoint (the gateway sees it within about a second). */
export async function putEndpoint(stack: Stack, endpoint: Record<string, unknown> & { name: string }): Promise<void> {
  const existing = await stack.api('GET', `/api/v1/endpoints/${endpoint.name}`);
  const res =
    existing.status === 200 ? await stack.api('PUT', `/api/v1/endpoints/${endpoint.name}`, endpoint) : await stack.api('POST', '/api/v1/endpoints', endpoint);
  if (res.status >= 300) throw new Error(`endpoint write failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Until every node lists these endpoints on GET /models (its configuration
 * has them). Asks nothing that a rate limit or budget would count.
 */
export async function waitUntilListed(nodes: Array<{ url: string }>, models: string[], timeoutMs?: number): Promise<void> {
  for (const [i, node] of nodes.entries())
    await waitFor(
      `${models.join(', ')} listed on node ${i}`,
      async () => {
        const res = await fetch(`${node.url}/gateway/openai/v1/models`, { headers: { authorization: 'Bearer x' } });
        const body = (await res.json().catch(() => undefined)) as { data?: Array<{ id: string }> } | undefined;
        const ids = new Set(body?.data?.map((m) => m.id));
        return models.every((m) => ids.has(m)) ? true : undefined;
      },
      timeoutMs,
    );
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
