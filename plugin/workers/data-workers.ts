// Module-level state of the plugin server's main thread, where Kong's PDK
// calls arrive. Kong creates and expires plugin instances freely (they die
// after ~60 s idle), so what must live longer lives here: the data-plane
// worker pools (worker-pool.ts), one per distinct plugin configuration. The
// access phase needs only a worker's port and its ticket signer.
//
// Each configuration's workers bind ports of their own (ephemeral by
// default; the access phase tells Kong which with set_target). When Kong
// changes the plugin's configuration, old and new configurations overlap
// while nginx workers switch over one by one: each keeps its workers, so
// nothing restarts, blocks or invalidates issued tickets; a configuration no
// longer used is retired once idle. `kong reload` runs a second plugin server
// beside this one: it binds its own ports, so both serve.
//
// Stopping (SIGTERM from Kong, or the parent process gone): the access phase
// answers 503 `gateway_shutting_down`, every worker drains its requests and
// streams within `shutdown_grace_seconds`, flushes or spools its traces and
// returns its budget slices; then the process exits.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { log } from '../log';
import type { PluginConfig } from '../schema';
import { TICKET_TTL_MS } from '../server/tickets';
import type { WorkerCommand } from '../server/worker';
import { closeSpare, liveWorkers } from './spare-worker';
import { WorkerPool, type Frontdoor } from './worker-pool';

export type { Frontdoor } from './worker-pool';

interface Entry {
  fingerprint: string;
  graceMs: number;
  pool: WorkerPool;
  lastUsed: number;
}

/** Keyed by `config:<fingerprint>` (ephemeral ports) or `port:<n>` (a fixed data_port holds one configuration at a time). */
const entries = new Map<string, Entry>();
let shuttingDown: Promise<void> | undefined;

/** A configuration unused this long (and not the latest used) has its workers retired: past any ticket they issued. */
export const RETIRE_AFTER_MS = TICKET_TTL_MS + 60_000;

export class ShuttingDown extends Error {
  constructor() {
    super('the plugin server is shutting down');
  }
}

export function isShuttingDown(): boolean {
  return shuttingDown !== undefined;
}

/** The worker pool serving `config`, started on first use. */
export function poolFor(config: PluginConfig): WorkerPool {
  if (shuttingDown) throw new ShuttingDown();
  const fingerprint = fingerprintOf(config);
  const key = config.data_port === 0 ? `config:${fingerprint}` : `port:${config.data_port}`;
  const existing = entries.get(key);
  if (existing?.fingerprint === fingerprint) {
    existing.lastUsed = Date.now();
    return existing.pool;
  }
  // A fixed port holds one configuration: a changed one replaces it (after its workers drained).
  const previous = existing ? stopEntry(existing) : Promise.resolve();
  const pool = new WorkerPool(config, fingerprint.slice(0, 12), workerCount(config), previous);
  entries.set(key, { fingerprint, graceMs: graceOf(config), pool, lastUsed: Date.now() });
  return pool;
}

/** The worker that serves the next request of `config` (the access phase's one call here). */
export function frontdoorFor(config: PluginConfig): Promise<Frontdoor> {
  try {
    return poolFor(config).pick();
  } catch (err) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever poolFor threw, passed on unchanged as a rejection
    return Promise.reject(err);
  }
}

/**
 * Data workers per configuration: `data_workers` in the plugin's config,
 * else LLM_GATEWAY_DATA_WORKERS (Kong starts plugin servers with a cleared
 * environment, so the config field is the knob that always arrives), else
 * one per core less one (left to Kong's nginx workers and this thread, which
 * answers the PDK calls of every request), at least one and at most 8: this
 * one thread spends about a fifth of what a worker spends per request
 * (bench/RESULTS.md §12), so it saturates before more than ~5 workers are
 * busy, and an idle worker still holds its heap and polls.
 */
export function workerCount(config: Pick<PluginConfig, 'data_workers'>): number {
  if (config.data_workers > 0) return config.data_workers;
  const fromEnv = Number(process.env.LLM_GATEWAY_DATA_WORKERS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.min(fromEnv, 64);
  return Math.max(1, Math.min(availableParallelism() - 1, 8));
}

/** Drains every worker, then resolves (the caller exits). Idempotent. */
export function shutDown(reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    log.info('plugin server stopping: draining requests and streams', { reason, configurations: entries.size });
    closeSpare();
    await Promise.all([...entries.values()].map(stopEntry));
    entries.clear();
  })();
  return shuttingDown;
}

function stopEntry(entry: Entry): Promise<void> {
  return entry.pool.stop(entry.graceMs);
}

// Retire the workers of configurations Kong no longer uses (never the latest used one).
const retirement = setInterval(() => {
  if (shuttingDown) return;
  const latest = Math.max(0, ...[...entries.values()].map((e) => e.lastUsed));
  for (const [key, entry] of entries) {
    if (entry.lastUsed === latest || Date.now() - entry.lastUsed < RETIRE_AFTER_MS) continue;
    entries.delete(key);
    log.info('retiring the data-plane workers of a configuration no longer used', { configuration: entry.fingerprint.slice(0, 12) });
    void stopEntry(entry);
  }
}, 30_000);
retirement.unref();

// SIGTERM (Kong stopping or reloading): drain, then exit as the signal would.
// A repeated SIGTERM while draining changes nothing (SIGKILL forces).
function onSigterm(): void {
  void shutDown('SIGTERM').finally(() => {
    process.off('SIGTERM', onSigterm);
    process.kill(process.pid, 'SIGTERM');
  });
}
process.on('SIGTERM', onSigterm);

// Fault injection for the chaos suite only (test/chaos): with this variable
// set, SIGUSR2 ends every data-plane worker at once, as a crash would (no
// drain, no flush); the next request starts a new one.
if (process.env.LLM_GATEWAY_FAULT_INJECTION === 'crash-workers-on-sigusr2') {
  process.on('SIGUSR2', () => {
    // Each crashes from inside (ended from outside mid-read, Node can abort the process).
    for (const worker of liveWorkers) worker.postMessage({ type: 'crash' } satisfies WorkerCommand);
  });
}

// Kong (or the launcher) gone without stopping us: nobody will send requests
// or a SIGTERM any more, and a plugin server left running would hold its
// ports and spool. Drain and exit.
const parentAtStart = process.ppid;
const parentWatch = setInterval(() => {
  if (parentAtStart <= 1 || process.ppid === parentAtStart) return;
  clearInterval(parentWatch);
  void shutDown('parent process gone').finally(() => process.exit(0));
}, 1_000);
parentWatch.unref();

function graceOf(config: PluginConfig): number {
  return config.shutdown_grace_seconds * 1000;
}

// A plugin instance keeps its configuration object for life (Kong makes a new
// instance for a changed one): hash each object once, not on every request.
const fingerprints = new WeakMap<PluginConfig, string>();

/** Settings that need a worker of their own (others, like the grace period, do not). */
function fingerprintOf(config: PluginConfig): string {
  let fingerprint = fingerprints.get(config);
  if (fingerprint === undefined) {
    fingerprint = hashRelevant(config);
    fingerprints.set(config, fingerprint);
  }
  return fingerprint;
}

function hashRelevant(config: PluginConfig): string {
  const relevant = [
    config.control_plane_url,
    config.dataplane_token,
    config.data_host,
    config.data_port,
    config.state_dir,
    config.max_body_bytes,
    config.trace_flush_ms,
    config.trace_spool_max,
    config.config_wait_seconds,
    config.control_plane_timeout_ms,
    config.data_workers,
    config.conversation_cache_mib,
  ];
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
}
