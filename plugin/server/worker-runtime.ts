// What one data-plane worker thread runs (worker.ts is its entry): its
// configuration store, trace spool, destination health, budget slices and
// data server. Translating, routing and streaming happen here, so they never
// delay Kong's PDK round trips on the main thread, and each worker gets a core
// of its own. The main thread runs N of these per configuration
// (../workers/worker-pool.ts); nothing here is shared between them: each has
// its own spool file, its own budget slices and its own tickets.
import { join } from 'node:path';
import { BudgetGuard, budgetSettingsFromEnv } from '../budget';
import { ConfigStore } from '../config/store';
import { ControlPlaneConversationStore } from '../conversations/control-plane-conversation-store';
import type { ConversationStore } from '../conversations/conversation-store';
import { StateClient } from '../conversations/state-client';
import { ShadowDispatcher } from '../governance/shadow-dispatcher';
import { log } from '../log';
import { DestinationHealth } from '../routing/cooldown';
import type { PluginConfig } from '../schema';
import { startDataServer, type DataServer } from './data-server';
import { TicketVerifier } from './tickets';
import { Telemetry } from '../telemetry/telemetry';
import { warmTokenizer } from '../tokens/count';
import { TraceShipper } from '../traces/shipper';

export interface Runtime {
  readonly config: ConfigStore;
  readonly shipper: TraceShipper;
  readonly tickets: TicketVerifier;
  readonly health: DestinationHealth;
  readonly budget: BudgetGuard;
  readonly telemetry: Telemetry;
  readonly server: DataServer;
  readonly maxBodyBytes: number;
  /** Tickets the access phase issued for this worker (shared with the main thread). */
  readonly ticketsIssued: BigInt64Array;
  readonly conversations: ConversationStore;
  readonly stateClient: StateClient;
  readonly shadow: ShadowDispatcher;
}

/** `id` names the state files: one runtime's settings, one config cache. */
export async function startRuntime(
  config: PluginConfig,
  id: string,
  tickets: { key: Buffer; issued: BigInt64Array; book: SharedArrayBuffer },
): Promise<Runtime> {
  const store = new ConfigStore({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: config.control_plane_timeout_ms,
    waitSeconds: config.config_wait_seconds,
    cacheFile: join(config.state_dir, `config-${id}.sealed`),
  });
  // First: the first request waits for this configuration, and everything else here can be done meanwhile.
  store.start();
  const shipper = new TraceShipper({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: config.control_plane_timeout_ms,
    flushMs: config.trace_flush_ms,
    maxQueued: config.trace_spool_max,
    batchSize: 500,
    stateDir: config.state_dir,
  });
  await shipper.start();
  const telemetry = new Telemetry({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: config.control_plane_timeout_ms,
    reportMs: Number(process.env.LLM_GATEWAY_TELEMETRY_REPORT_MS) || undefined,
  });
  store.onChange((s) => telemetry.configure(s.snapshot.exporters));
  // Budgets and token limits estimate every request's tokens: build the tokenizer when a configuration first has them, not on their first request.
  store.onChange((s) => {
    if (s.snapshot.budgets.length > 0 || s.snapshot.endpoints.some((e) => e.rateLimits)) setImmediate(warmTokenizer);
  });
  telemetry.start();
  const settings = budgetSettingsFromEnv();
  const budget = new BudgetGuard({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: Math.min(settings.timeoutMs, config.control_plane_timeout_ms),
    slices: settings.slices,
  });
  // Conversation state every Kong node shares (Responses, reasoning state): held by the control plane.
  const stateClient = new StateClient({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: Math.min(1_000, config.control_plane_timeout_ms),
  });
  const core = {
    config: store,
    shipper,
    tickets: new TicketVerifier(tickets.key, Date.now, tickets.book),
    health: new DestinationHealth(),
    budget,
    telemetry,
    maxBodyBytes: config.max_body_bytes,
    ticketsIssued: tickets.issued,
    conversations: new ControlPlaneConversationStore(stateClient, undefined, { memoryBytes: config.conversation_cache_mib * 1024 * 1024 }),
    stateClient,
    shadow: new ShadowDispatcher({ budget, shipper, telemetry }),
  };
  const server = await startDataServer(core, config.data_host, config.data_port);
  log.info('runtime started', { dataServer: `${config.data_host}:${server.port}`, controlPlane: config.control_plane_url });
  return { ...core, server };
}

/**
 * Drains and stops: every request admitted so far (each ticket issued) is
 * served and every stream finishes, at most `graceMs` (then they are cut); then the configuration poll ends,
 * budget slices go back, and traces are flushed to the control plane or, if
 * it cannot take them in time, left durably in the spool for the next process.
 */
export async function stopRuntime(runtime: Runtime, graceMs: number): Promise<void> {
  // Requests Kong admitted before the stop may still be on their way: wait for every ticket issued.
  const drained = await runtime.server.drain(graceMs, () => runtime.tickets.redeemed >= Atomics.load(runtime.ticketsIssued, 0));
  runtime.config.stop();
  // Shadows of the drained requests: before the budget guard (a counted shadow settles) and the shipper (its trace).
  await runtime.shadow.stop();
  await runtime.budget.stop(1_500);
  await runtime.shipper.stop(3_000);
  await runtime.stateClient.close();
  await runtime.telemetry.stop();
  log.info('runtime stopped', { ...drained, tracesPending: runtime.shipper.pending(), deadLettered: runtime.shipper.deadLettered });
}
