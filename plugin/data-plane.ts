// The data plane proper: configuration, trace spool, destination health,
// budget guard and the data server. It runs in a worker thread of the plugin
// server (server/worker.ts), so that translating, routing and streaming never
// delay Kong's PDK round trips on the main thread, and it gets a core of its own.
import { join } from 'node:path';
import { BudgetGuard, budgetSettingsFromEnv } from './budget';
import { ConfigStore } from './config/store';
import { MemoryConversationStore, type ConversationStore } from './conversations/conversation-store';
import { log } from './log';
import { DestinationHealth } from './routing/cooldown';
import type { PluginConfig } from './schema';
import { startDataServer, type DataServer } from './server/data-server';
import { TicketVerifier } from './server/tickets';
import { warmTokenizer } from './tokens/count';
import { TraceShipper } from './traces/shipper';

export interface Runtime {
  readonly config: ConfigStore;
  readonly shipper: TraceShipper;
  readonly tickets: TicketVerifier;
  readonly health: DestinationHealth;
  readonly budget: BudgetGuard;
  readonly server: DataServer;
  readonly maxBodyBytes: number;
  readonly conversations: ConversationStore;
}

/** `id` names the state files: one runtime's settings, one config cache. */
export async function startRuntime(config: PluginConfig, id: string, ticketKey: Buffer): Promise<Runtime> {
  const store = new ConfigStore({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: config.control_plane_timeout_ms,
    waitSeconds: config.config_wait_seconds,
    cacheFile: join(config.state_dir, `config-${id}.sealed`),
  });
  const shipper = new TraceShipper({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: config.control_plane_timeout_ms,
    flushMs: config.trace_flush_ms,
    maxQueued: config.trace_spool_max,
    batchSize: 500,
    spoolFile: join(config.state_dir, `traces-${config.data_port}.jsonl`),
  });
  await shipper.start();
  store.start();
  warmTokenizer();
  const settings = budgetSettingsFromEnv();
  const budget = new BudgetGuard({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: Math.min(settings.timeoutMs, config.control_plane_timeout_ms),
    slices: settings.slices,
  });
  const core = {
    config: store,
    shipper,
    tickets: new TicketVerifier(ticketKey),
    health: new DestinationHealth(),
    budget,
    maxBodyBytes: config.max_body_bytes,
    conversations: new MemoryConversationStore(),
  };
  const server = await startDataServer(core, config.data_host, config.data_port);
  log.info('runtime started', { dataServer: `${config.data_host}:${server.port}`, controlPlane: config.control_plane_url });
  return { ...core, server };
}

export async function stopRuntime(runtime: Runtime): Promise<void> {
  runtime.config.stop();
  await runtime.budget.stop();
  await runtime.server.close();
  await runtime.shipper.stop();
}
