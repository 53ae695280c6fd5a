// Module-level state of the plugin server process. Kong creates and expires
// plugin instances freely (they die after ~60 s idle), so everything that
// must live longer — the configuration, the trace spool, destination health,
// the in-process data server — lives here, one runtime per data port.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BudgetGuard, budgetSettingsFromEnv } from './budget';
import { ConfigStore } from './config/store';
import { log } from './log';
import { DestinationHealth } from './routing/cooldown';
import type { PluginConfig } from './schema';
import { startDataServer, type DataServer } from './server/data-server';
import { TicketBook } from './server/tickets';
import { warmTokenizer } from './tokens/count';
import { TraceShipper } from './traces/shipper';

export interface Runtime {
  readonly config: ConfigStore;
  readonly shipper: TraceShipper;
  readonly tickets: TicketBook;
  readonly health: DestinationHealth;
  readonly budget: BudgetGuard;
  readonly server: DataServer;
  readonly maxBodyBytes: number;
}

interface Entry {
  fingerprint: string;
  runtime: Promise<Runtime>;
}

const runtimes = new Map<number, Entry>();

export function runtimeFor(config: PluginConfig): Promise<Runtime> {
  const fingerprint = fingerprintOf(config);
  const existing = runtimes.get(config.data_port);
  if (existing?.fingerprint === fingerprint) return existing.runtime;
  // Same port, different settings (Kong reconfigured the plugin): replace it.
  const previous = existing ? existing.runtime.then(stopRuntime, () => undefined) : Promise.resolve();
  const runtime = previous.then(() => startRuntime(config));
  runtime.catch(() => runtimes.delete(config.data_port));
  runtimes.set(config.data_port, { fingerprint, runtime });
  returnBudgetsOnShutdown();
  return runtime;
}

async function startRuntime(config: PluginConfig): Promise<Runtime> {
  const id = fingerprintOf(config).slice(0, 12);
  const config_ = new ConfigStore({
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
  config_.start();
  warmTokenizer();
  const settings = budgetSettingsFromEnv();
  const budget = new BudgetGuard({
    controlPlaneUrl: config.control_plane_url,
    token: config.dataplane_token,
    timeoutMs: Math.min(settings.timeoutMs, config.control_plane_timeout_ms),
    slices: settings.slices,
  });
  const partial = { config: config_, shipper, tickets: new TicketBook(), health: new DestinationHealth(), budget, maxBodyBytes: config.max_body_bytes };
  const server = await startDataServer(partial, config.data_host, config.data_port);
  log.info('runtime started', { dataServer: `${config.data_host}:${server.port}`, controlPlane: config.control_plane_url });
  return { ...partial, server };
}

async function stopRuntime(runtime: Runtime): Promise<void> {
  runtime.config.stop();
  await runtime.budget.stop();
  await runtime.server.close();
  await runtime.shipper.stop();
}

/** Stops every runtime (tests, and a clean plugin-server shutdown). */
export async function stopAllRuntimes(): Promise<void> {
  const all = [...runtimes.values()];
  runtimes.clear();
  await Promise.all(all.map((e) => e.runtime.then(stopRuntime, () => undefined)));
}

// On SIGTERM (Kong stopping the plugin server) give budget slices back
// before exiting, so other nodes need not wait for the leases to expire.
let shutdownHooked = false;
function returnBudgetsOnShutdown(): void {
  if (shutdownHooked) return;
  shutdownHooked = true;
  process.once('SIGTERM', () => {
    const all = [...runtimes.values()].map((e) => e.runtime.then((rt) => rt.budget.stop(1_500), () => undefined));
    void Promise.all(all).finally(() => process.kill(process.pid, 'SIGTERM'));
  });
}

function fingerprintOf(config: PluginConfig): string {
  const relevant = [config.control_plane_url, config.dataplane_token, config.data_host, config.data_port, config.state_dir, config.max_body_bytes, config.trace_flush_ms, config.trace_spool_max, config.config_wait_seconds, config.control_plane_timeout_ms];
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
}
