// The data-plane workers of one plugin configuration: N worker threads, each
// with its own data server port, ticket key, configuration store, trace
// spool file, destination health and budget slices. The access phase picks
// one per request (round robin over the ready ones) and points Kong at it.
//
// Each worker is on its own: one that crashes is replaced on a later pick
// while the others keep serving; stopping drains every one (each waits for
// every ticket issued for it). The first worker starts at once (from the
// spare); the others start once it is ready, so that they do not compete
// with the first request for the CPU.
import type { Worker } from 'node:worker_threads';
import { errorMessage, log } from '../log';
import type { PluginConfig } from '../schema';
import { newTicketBook } from '../server/ticket-book';
import { newIssueCounter, newTicketKey, TicketSigner } from '../server/tickets';
import type { WorkerCommand, WorkerInput, WorkerMessage } from '../server/worker';
import { hasSpare, takeWorker } from './spare-worker';

export interface Frontdoor {
  readonly tickets: TicketSigner;
  /** Where Kong proxies admitted requests: the worker's data server. */
  readonly port: number;
  /** The worker thread's id (logs, fault injection in tests). */
  readonly threadId: number;
  /** Drains the worker (at most `graceMs`) and ends its thread. */
  stop(graceMs: number): Promise<void>;
}

interface Slot {
  ready?: Frontdoor;
  starting?: Promise<Frontdoor>;
  /** When its last start failed: a failing slot is retried at most once a second while others serve. */
  failedAt?: number;
}

export class WorkerPool {
  private readonly slots: Slot[];
  private next = 0;
  /** The first worker's start: until it settles, requests wait for it and the others are not started yet (see above). */
  private readonly first: Promise<Frontdoor>;
  private warmed = false;
  private stopping: Promise<void> | undefined;

  /** `id` names the workers' shared state files; `after` is what must end before any starts (a fixed port's previous holder). */
  constructor(
    private readonly config: PluginConfig,
    private readonly id: string,
    size: number,
    after: Promise<void> = Promise.resolve(),
  ) {
    this.slots = Array.from({ length: size }, () => ({}));
    this.first = after.then(() => this.fill(0));
    const warm = () => {
      this.warmed = true;
      this.slots.forEach((_, i) => this.fillInBackground(i));
    };
    this.first.then(warm, warm);
  }

  get size(): number {
    return this.slots.length;
  }

  /** Workers ready now (tests, logs). */
  ready(): Frontdoor[] {
    return this.slots.flatMap((s) => (s.ready ? [s.ready] : []));
  }

  /** The next ready worker in turn; an empty slot (a crashed worker) is refilled meanwhile. */
  pick(): Promise<Frontdoor> {
    if (this.stopping) return Promise.reject(new Error('this configuration is being retired'));
    if (!this.warmed) return this.first;
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const index = this.next;
      this.next = (this.next + 1) % n;
      const slot = this.slots[index]!;
      if (slot.ready) return Promise.resolve(slot.ready);
      if (!slot.starting && Date.now() - (slot.failedAt ?? 0) > 1_000) this.fillInBackground(index);
    }
    // None ready (every worker crashed or failed to start): the first to start serves.
    return Promise.any(this.slots.map((_, i) => this.fill(i))).catch((err: unknown) => Promise.reject((err as AggregateError).errors[0] as Error));
  }

  /** Drains every worker, those still starting included. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= Promise.all(
      this.slots.map((slot) => {
        const worker = slot.ready ? Promise.resolve(slot.ready) : slot.starting;
        return worker
          ? worker.then(
              (f) => f.stop(graceMs),
              () => undefined,
            )
          : Promise.resolve();
      }),
    ).then(() => undefined);
    return this.stopping;
  }

  private fillInBackground(index: number): void {
    this.fill(index).catch(() => undefined); // logged in fill; retried on a later pick
  }

  /** Starts the worker of slot `index` unless it runs or is starting; a failure leaves the slot empty for a later pick. */
  private fill(index: number): Promise<Frontdoor> {
    const slot = this.slots[index]!;
    if (slot.ready) return Promise.resolve(slot.ready);
    if (slot.starting) return slot.starting;
    if (this.stopping) return Promise.reject(new Error('this configuration is being retired'));
    // A fixed data_port: worker i listens on data_port + i.
    const config = this.config.data_port === 0 ? this.config : { ...this.config, data_port: this.config.data_port + index };
    let frontdoor: Frontdoor | undefined;
    const gone = () => {
      if (frontdoor && slot.ready === frontdoor) slot.ready = undefined;
    };
    const starting = startWorker(config, this.id, gone).then(
      (f) => {
        frontdoor = f;
        slot.starting = undefined;
        slot.ready = f; // stop() waits on `starting` and stops it if the pool is stopping
        return f;
      },
      (err: unknown) => {
        slot.starting = undefined;
        slot.failedAt = Date.now();
        log.error('data-plane worker failed to start; a later request tries again', { worker: index, error: errorMessage(err) });
        throw err;
      },
    );
    slot.starting = starting;
    return starting;
  }
}

function startWorker(config: PluginConfig, id: string, onExit: () => void, fresh = false): Promise<Frontdoor> {
  const key = newTicketKey();
  const book = newTicketBook();
  const tickets = new TicketSigner(key, Date.now, newIssueCounter(), book);
  const input: WorkerInput = { config, id, ticketKey: key, ticketsIssued: tickets.issued, ticketBook: book };
  const fromSpare = !fresh && hasSpare();
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
      if (m.type === 'failed') {
        // A worker that failed to start ends itself (see stopWorker).
        reject(new Error(m.error));
        return;
      }
      let stopping: Promise<void> | undefined;
      worker.on('error', (err) => log.error('data-plane worker failed', { error: err.stack ?? err.message }));
      worker.once('exit', (code) => {
        if (!stopping) log.error('data-plane worker exited; a new one takes its place', { code });
        onExit();
      });
      const stop = (graceMs: number) => {
        stopping ??= stopWorker(worker, graceMs).finally(onExit);
        return stopping;
      };
      resolve({ tickets, port: m.port, threadId: worker.threadId, stop });
    });
  });
}

/**
 * Asks the worker to drain and stop; it ends its own thread once its traces
 * are flushed (see ../server/worker.ts for why not from here). Ended from
 * here only if it has not after the grace plus time to flush.
 */
function stopWorker(worker: Worker, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const stuck = setTimeout(() => void worker.terminate().then(() => resolve()), graceMs + 10_000).unref();
    worker.once('exit', () => {
      clearTimeout(stuck);
      resolve();
    });
    worker.postMessage({ type: 'stop', graceMs } satisfies WorkerCommand);
  });
}
