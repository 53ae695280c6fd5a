// Two Kong nodes sharing one control plane (two data planes), with raw access
// to the ledger's database: the e2e stack with budget settings.
import mongoose from 'mongoose';
import type { RunningControlPlane } from '../../control-plane/server';
import type { KongStandin } from '../../local/kong-standin';
import { startStack } from '../e2e/stack';

export { waitFor } from '../e2e/stack';

export interface BudgetStack {
  controlPlane: RunningControlPlane;
  nodes: KongStandin[];
  db: mongoose.mongo.Db;
  adminToken: string;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stopControlPlane(): Promise<void>;
  startControlPlaneAgain(): Promise<void>;
  close(): Promise<void>;
}

export async function startBudgetStack(opts: { nodes?: number; env?: Record<string, string>; pluginEnv?: Record<string, string> } = {}): Promise<BudgetStack> {
  const stack = await startStack({
    nodes: opts.nodes ?? 2,
    controlPlaneEnv: opts.env,
    pluginEnv: { LLM_GATEWAY_BUDGET_TIMEOUT_MS: '20000', ...opts.pluginEnv },
    // The budget burst queues 600 ledger calls on FerretDB (serialized per window): let them wait.
    plugin: { control_plane_timeout_ms: 20000 },
  });
  const client = await mongoose.mongo.MongoClient.connect(stack.mongoUri);
  const db = client.db(stack.dbName);
  return {
    get controlPlane() {
      return stack.controlPlane;
    },
    nodes: stack.drivers,
    db,
    adminToken: stack.adminToken,
    // The stack's members are arrow functions: nothing to bind.
    /* eslint-disable @typescript-eslint/unbound-method */
    api: stack.api,
    stopControlPlane: stack.stopControlPlane,
    startControlPlaneAgain: stack.startControlPlaneAgain,
    /* eslint-enable @typescript-eslint/unbound-method */
    async close() {
      await stack.close();
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}
