// Module-level state of the plugin server's main thread, where Kong's PDK
// calls arrive. Kong creates and expires plugin instances freely (they die
// after ~60 s idle), so what must live longer lives here: per data port, the
// data-plane worker thread (server/worker.ts) and the key that signs its
// tickets. The access phase needs only those two: a port and a ticket.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { log } from './log';
import type { PluginConfig } from './schema';
import { newTicketKey, TicketSigner } from './server/tickets';
import type { WorkerInput, WorkerMessage } from './server/worker';

export interface Frontdoor {
  readonly tickets: TicketSigner;
  /** Where Kong proxies admitted requests: the worker's data server. */
  readonly port: number;
  stop(how: 'stop' | 'shutdown', timeoutMs?: number): Promise<void>;
}

interface Entry {
  fingerprint: string;
  frontdoor: Promise<Frontdoor>;
}

const frontdoors = new Map<number, Entry>();

export function runtimeFor(config: PluginConfig): Promise<Frontdoor> {
  const fingerprint = fingerprintOf(config);
  const existing = frontdoors.get(config.data_port);
  if (existing?.fingerprint === fingerprint) return existing.frontdoor;
  // Same port, different settings (Kong reconfigured the plugin): replace it.
  const previous = existing
    ? existing.frontdoor.then(
        (f) => f.stop('stop'),
        () => undefined,
      )
    : Promise.resolve();
  // A worker that fails to start, or dies later (a crash; a stop), is replaced on the next request.
  let entry: Entry | undefined;
  const forget = () => frontdoors.get(config.data_port) === entry && frontdoors.delete(config.data_port);
  const frontdoor = previous.then(() => startWorker(config, fingerprint.slice(0, 12), forget));
  frontdoor.catch(forget);
  entry = { fingerprint, frontdoor };
  frontdoors.set(config.data_port, entry);
  returnBudgetsOnShutdown();
  return frontdoor;
}

function startWorker(config: PluginConfig, id: string, onExit: () => void): Promise<Frontdoor> {
  const key = newTicketKey();
  const input: WorkerInput = { config, id, ticketKey: key };
  const worker = new Worker(join(__dirname, 'server/worker.js'), { workerData: input });
  return new Promise((resolve, reject) => {
    const early = (code: number) => reject(new Error(`data-plane worker exited (${code}) before it was ready`));
    worker.once('exit', early);
    worker.once('error', reject);
    worker.once('message', (m: WorkerMessage) => {
      worker.off('exit', early);
      if (m.type !== 'ready') {
        void worker.terminate();
        reject(new Error(m.type === 'failed' ? m.error : `unexpected ${m.type}`));
        return;
      }
      let stopping = false;
      worker.on('error', (err) => log.error('data-plane worker failed', { error: err.stack ?? err.message }));
      worker.once('exit', (code) => {
        if (!stopping) log.error('data-plane worker exited; the next request starts a new one', { code });
        onExit();
      });
      const stop = (how: 'stop' | 'shutdown', timeoutMs = 30_000) => {
        stopping ||= how === 'stop';
        return stopWorker(worker, how, timeoutMs);
      };
      resolve({ tickets: new TicketSigner(key), port: m.port, stop });
    });
  });
}

/** Asks the worker to stop and waits for it (at most `timeoutMs`); `stop` also ends the thread. */
function stopWorker(worker: Worker, how: 'stop' | 'shutdown', timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    setTimeout(resolve, timeoutMs).unref();
    worker.once('message', () => resolve());
    worker.once('exit', () => resolve());
    worker.postMessage({ type: how });
  }).then(async () => {
    if (how === 'stop') await worker.terminate();
  });
}

// On SIGTERM (Kong stopping the plugin server) give budget slices back
// before exiting, so other nodes need not wait for the leases to expire.
let shutdownHooked = false;
function returnBudgetsOnShutdown(): void {
  if (shutdownHooked) return;
  shutdownHooked = true;
  process.once('SIGTERM', () => {
    const all = [...frontdoors.values()].map((e) =>
      e.frontdoor.then(
        (f) => f.stop('shutdown', 2_000),
        () => undefined,
      ),
    );
    void Promise.all(all).finally(() => process.kill(process.pid, 'SIGTERM'));
  });
}

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
