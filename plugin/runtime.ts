// Module-level state of the plugin server's main thread, where Kong's PDK
// calls arrive. Kong creates and expires plugin instances freely (they die
// after ~60 s idle), so what must live longer lives here: the data-plane
// worker threads (server/worker.ts) and the keys that sign their tickets.
// The access phase needs only those two: a port and a ticket.
//
// One worker per distinct plugin configuration, each on its own port
// (ephemeral by default; the access phase tells Kong which with set_target).
// When Kong changes the plugin's configuration, old and new configurations
// overlap while nginx workers switch over one by one: each keeps its worker,
// so nothing restarts, blocks or invalidates issued tickets; a configuration
// no longer used is retired once idle. `kong reload` runs a second plugin
// server beside this one: it binds its own ports, so both serve.
//
// Stopping (SIGTERM from Kong, or the parent process gone): the access phase
// answers 503 `gateway_shutting_down`, every worker drains its requests and
// streams within `shutdown_grace_seconds`, flushes or spools its traces and
// returns its budget slices; then the process exits.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { log } from './log';
import type { PluginConfig } from './schema';
import { newTicketKey, TICKET_TTL_MS, TicketSigner } from './server/tickets';
import type { WorkerCommand, WorkerInput, WorkerMessage } from './server/worker';

export interface Frontdoor {
  readonly tickets: TicketSigner;
  /** Where Kong proxies admitted requests: the worker's data server. */
  readonly port: number;
  /** Drains the worker (at most `graceMs`) and ends its thread. */
  stop(graceMs: number): Promise<void>;
}

interface Entry {
  fingerprint: string;
  graceMs: number;
  frontdoor: Promise<Frontdoor>;
  lastUsed: number;
}

/** Keyed by `config:<fingerprint>` (ephemeral port) or `port:<n>` (a fixed data_port holds one worker at a time). */
const entries = new Map<string, Entry>();
let shuttingDown: Promise<void> | undefined;
const liveWorkers = new Set<Worker>();

/** A configuration unused this long (and not the latest used) has its worker retired: past any ticket it issued. */
export const RETIRE_AFTER_MS = TICKET_TTL_MS + 60_000;

export class ShuttingDown extends Error {
  constructor() {
    super('the plugin server is shutting down');
  }
}

export function isShuttingDown(): boolean {
  return shuttingDown !== undefined;
}

export function runtimeFor(config: PluginConfig): Promise<Frontdoor> {
  if (shuttingDown) return Promise.reject(new ShuttingDown());
  const fingerprint = fingerprintOf(config);
  const key = config.data_port === 0 ? `config:${fingerprint}` : `port:${config.data_port}`;
  const existing = entries.get(key);
  if (existing?.fingerprint === fingerprint) {
    existing.lastUsed = Date.now();
    return existing.frontdoor;
  }
  // A fixed port holds one worker: a changed configuration replaces it (after it drained).
  const previous = existing ? stopEntry(existing) : Promise.resolve();
  // A worker that fails to start, or dies later (a crash), is replaced on the next request.
  // `forget` runs only after this function returned (a promise callback), when `entry` is set.
  const forget = () => entries.get(key) === entry && entries.delete(key);
  const frontdoor = previous.then(() => startWorker(config, fingerprint.slice(0, 12), forget));
  frontdoor.catch(forget);
  const entry: Entry = { fingerprint, graceMs: graceOf(config), frontdoor, lastUsed: Date.now() };
  entries.set(key, entry);
  return frontdoor;
}

/** Drains every worker, then resolves (the caller exits). Idempotent. */
export function shutDown(reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    log.info('plugin server stopping: draining requests and streams', { reason, workers: entries.size });
    void spare?.terminate();
    spare = undefined;
    await Promise.all([...entries.values()].map(stopEntry));
    entries.clear();
  })();
  return shuttingDown;
}

function stopEntry(entry: Entry): Promise<void> {
  return entry.frontdoor.then(
    (f) => f.stop(entry.graceMs),
    () => undefined,
  );
}

// Cold start: a worker loading its modules and warming its translation paths
// takes most of a second (seconds on a busy machine). Kong names a plugin's
// configuration only with its first request, so one spare worker does that
// work in advance, from start-up on: the first request after start, and the
// first after a worker crash, take the spare and wait only for the worker's
// runtime (config, ports). LLM_GATEWAY_SPARE_WORKER=0 keeps none.
const SPARE_ENABLED = process.env.LLM_GATEWAY_SPARE_WORKER !== '0';
let spare: Worker | undefined;

function spawnWorker(): Worker {
  const worker = new Worker(join(__dirname, 'server/worker.js'));
  liveWorkers.add(worker);
  worker.once('exit', () => liveWorkers.delete(worker));
  return worker;
}

function keepSpare(delayMs: number): void {
  if (!SPARE_ENABLED || spare || shuttingDown) return;
  // Later, so that making it does not compete with the request that took the last one.
  setTimeout(() => {
    if (spare || shuttingDown) return;
    const worker = spawnWorker();
    worker.unref(); // an unused spare keeps nothing running
    const lost = (err?: Error) => {
      if (spare !== worker) return;
      spare = undefined;
      if (err) log.warn('spare data-plane worker failed; it is replaced when taken', { error: err.message });
    };
    worker.once('exit', () => lost());
    worker.once('error', lost);
    spare = worker;
    spareListeners = lost;
  }, delayMs).unref();
}

let spareListeners: ((err?: Error) => void) | undefined;

function takeWorker(fresh: boolean): Worker {
  const worker = (!fresh && spare) || spawnWorker();
  if (worker === spare) {
    if (spareListeners) worker.off('error', spareListeners);
    spare = undefined;
  }
  worker.ref();
  keepSpare(2_000);
  return worker;
}

// A moment after start-up: the plugin server answers Kong's first calls (its plugin list, schemas) first.
keepSpare(3_000);

function startWorker(config: PluginConfig, id: string, onExit: () => void, fresh = false): Promise<Frontdoor> {
  const key = newTicketKey();
  const tickets = new TicketSigner(key);
  const input: WorkerInput = { config, id, ticketKey: key, ticketsIssued: tickets.issued };
  const fromSpare = !fresh && spare !== undefined;
  const worker = takeWorker(fresh);
  worker.postMessage({ type: 'start', input } satisfies WorkerCommand);
  return new Promise((resolve, reject) => {
    // A spare can be ending at the moment it is taken (the crash that took its sibling ended it too): start a fresh one.
    const early = (code: number) =>
      fromSpare ? resolve(startWorker(config, id, onExit, true)) : reject(new Error(`data-plane worker exited (${code}) before it was ready`));
    worker.once('exit', early);
    worker.once('error', reject);
    worker.once('message', (m: WorkerMessage) => {
      worker.off('exit', early);
      if (m.type !== 'ready') {
        void worker.terminate();
        reject(new Error(m.type === 'failed' ? m.error : `unexpected ${m.type}`));
        return;
      }
      let stopping: Promise<void> | undefined;
      worker.on('error', (err) => log.error('data-plane worker failed', { error: err.stack ?? err.message }));
      worker.once('exit', (code) => {
        if (!stopping) log.error('data-plane worker exited; the next request starts a new one', { code });
        onExit();
      });
      const stop = (graceMs: number) => {
        stopping ??= stopWorker(worker, graceMs).finally(onExit);
        return stopping;
      };
      resolve({ tickets, port: m.port, stop });
    });
  });
}

/** Asks the worker to drain and stop, waits for it (grace plus time to flush traces), then ends the thread. */
function stopWorker(worker: Worker, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    setTimeout(resolve, graceMs + 10_000).unref();
    worker.on('message', (m: WorkerMessage) => m.type === 'stopped' && resolve());
    worker.once('exit', () => resolve());
    worker.postMessage({ type: 'stop', graceMs } satisfies WorkerCommand);
  }).then(async () => {
    await worker.terminate();
  });
}

// Retire workers of configurations Kong no longer uses (never the latest used one).
const retirement = setInterval(() => {
  if (shuttingDown) return;
  const latest = Math.max(0, ...[...entries.values()].map((e) => e.lastUsed));
  for (const [key, entry] of entries) {
    if (entry.lastUsed === latest || Date.now() - entry.lastUsed < RETIRE_AFTER_MS) continue;
    entries.delete(key);
    log.info('retiring the data-plane worker of a configuration no longer used', { worker: entry.fingerprint.slice(0, 12) });
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
    for (const worker of liveWorkers) void worker.terminate();
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

/** Settings that need a worker of their own (others, like the grace period, do not). */
function fingerprintOf(config: PluginConfig): string {
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
  ];
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
}
