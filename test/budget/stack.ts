// Two Kong nodes sharing one control plane: the control plane on the test
// FerretDB, and two Kong drivers, each around its own real
// kong-js-pluginserver with the compiled plugin (two data planes).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import { parse } from 'yaml';
import { loadConfig, type ControlPlaneConfig } from '../../control-plane/config';
import { signToken } from '../../control-plane/middleware/verify-token';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/server';
import { testDbUri } from '../helpers/db';
import { startKongDriver, type KongDriver } from '../kong-driver/gateway';

const ROOT = resolve(__dirname, '../..');
const PLUGINS_DIR = join(ROOT, 'dist/plugin/kong');

export interface BudgetStack {
  controlPlane: RunningControlPlane;
  nodes: KongDriver[];
  db: mongoose.mongo.Db;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stopControlPlane(): Promise<void>;
  startControlPlaneAgain(): Promise<void>;
  close(): Promise<void>;
}

export async function startBudgetStack(opts: { nodes?: number; env?: Record<string, string>; pluginEnv?: Record<string, string> } = {}): Promise<BudgetStack> {
  const { uri, name } = testDbUri('budget');
  const config: ControlPlaneConfig = loadConfig({
    NODE_ENV: 'test',
    GATEWAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'llmgw-cp-')),
    JWT_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_KEK: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  let controlPlane = await startControlPlane({ mongoUri: uri, port: 0, host: '127.0.0.1', config });
  const cpPort = Number(new URL(controlPlane.url).port);
  const adminToken = signToken(config.jwt, { sub: 'budget-admin', role: 'admin' }, 3600);
  const dataplaneToken = signToken(config.jwt, { sub: 'budget-dataplane', role: 'dataplane' }, 3600);

  const nodes: KongDriver[] = [];
  for (let i = 0; i < (opts.nodes ?? 2); i++) {
    const kongYml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
    Object.assign(kongYml.services[0].plugins[0].config, {
      control_plane_url: controlPlane.url,
      dataplane_token: dataplaneToken,
      data_port: 0,
      state_dir: mkdtempSync(join(tmpdir(), `llmgw-dp${i}-`)),
      trace_flush_ms: 100,
      config_wait_seconds: 5,
      // The budget burst queues 600 ledger calls on FerretDB (serialized per window): let them wait.
      control_plane_timeout_ms: 20000,
    });
    nodes.push(await startKongDriver({ kongYml, pluginsDir: PLUGINS_DIR, env: { ...process.env, LLM_GATEWAY_LOG: process.env.LLM_GATEWAY_LOG ?? 'silent', LLM_GATEWAY_BUDGET_TIMEOUT_MS: '20000', ...opts.pluginEnv } }));
  }
  const client = await mongoose.mongo.MongoClient.connect(uri);

  const api = async <T>(method: string, path: string, body?: unknown) => {
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
    nodes,
    db: client.db(name),
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
      await Promise.all(nodes.map((n) => n.close()));
      if (running) await controlPlane.close();
      await client.db(name).dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
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
