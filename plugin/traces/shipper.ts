// Traces leave the data plane in batches. Each trace is bounded to the
// control plane's schema (bound-trace.ts) and written to this process's spool
// file (spool.ts) before it is queued, so a crash loses only what was never
// written; the control plane ingests idempotently by trace id, so re-sending
// after a crash or a lost answer duplicates nothing.
//
// Failures are told apart: an unreachable or failing control plane (network,
// 5xx, 429, auth) holds every trace and retries with backoff; a trace the
// control plane refuses (per trace in the answer, or a batch refused as a
// whole, split until the culprit is alone) can never be stored and goes to
// the dead-letter file, never blocking the traces behind it. The queue is
// bounded: beyond `maxQueued` the oldest traces are dropped and counted.
import type { Trace } from '../contract';
import { errorMessage, log } from '../log';
import { boundTrace } from './bound-trace';
import { DeadLetters } from './dead-letter';
import { sendBatch } from './send-batch';
import { Spool } from './spool';

export interface ShipperOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  flushMs: number;
  maxQueued: number;
  batchSize: number;
  /** Spool and dead-letter files live here (state_dir). */
  stateDir: string;
  /** How often the spool file is touched and orphaned files looked for (default 2 s). */
  heartbeatMs?: number;
  /** A spool file untouched this long is orphaned (default 10 s). */
  staleMs?: number;
}

type Refused = { trace: Trace; reason: string };

export class TraceShipper {
  private queue: Trace[] = [];
  private readonly spool: Spool;
  private readonly deadLetters: DeadLetters;
  private timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  private spoolBroken = false;
  dropped = 0;
  delivered = 0;

  constructor(private readonly options: ShipperOptions) {
    this.spool = new Spool({ dir: options.stateDir, staleMs: options.staleMs ?? 10_000 });
    this.deadLetters = new DeadLetters(options.stateDir);
  }

  /** Traces set aside for good by this process. */
  get deadLettered(): number {
    return this.deadLetters.count;
  }

  get spoolFile(): string {
    return this.spool.file;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a spool that cannot open rejects the promise rather than throwing
  async start(): Promise<void> {
    this.spool.open();
    this.take(this.spool.adoptOrphans());
    const flushTimer = setInterval(() => {
      this.syncSpool();
      void this.flush();
    }, this.options.flushMs);
    const heartbeat = setInterval(() => this.heartbeat(), this.options.heartbeatMs ?? 2_000);
    this.timers = [flushTimer, heartbeat];
    for (const t of this.timers) t.unref();
  }

  enqueue(trace: Trace): void {
    const bounded = boundTrace(trace);
    try {
      this.spool.append(bounded);
    } catch (err) {
      // A full or broken disk must not fail the request; the trace is still queued in memory.
      if (!this.spoolBroken) log.error('traces: cannot write the spool; holding traces in memory only', { error: (err as Error).message });
      this.spoolBroken = true;
    }
    this.take([bounded]);
    if (this.queue.length >= this.options.batchSize) void this.flush();
  }

  pending(): number {
    return this.queue.length;
  }

  /** Sends everything queued (one flush at a time). Resolves when this round is done. */
  flush(): Promise<void> {
    this.flushing ??= this.flushRound().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Last delivery attempt (backoff ignored), at most `deadlineMs`; then what
   * is left is fsynced and its file released for the next process to adopt.
   */
  async stop(deadlineMs = 5_000): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.nextAttemptAt = 0;
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
    try {
      this.spool.close(this.queue.length);
    } catch (err) {
      log.error('traces: could not close the spool', { error: (err as Error).message });
    }
    if (this.queue.length > 0) log.warn('traces: stopped with traces undelivered; they stay spooled', { pending: this.queue.length });
  }

  private take(traces: Trace[]): void {
    this.queue.push(...traces);
    if (this.queue.length > this.options.maxQueued) {
      const excess = this.queue.length - this.options.maxQueued;
      this.queue.splice(0, excess);
      this.dropped += excess;
      log.warn('traces: queue full, dropped the oldest', { dropped: this.dropped });
    }
  }

  private heartbeat(): void {
    try {
      if (!this.spool.heartbeat()) {
        log.warn('traces: another process adopted this spool file (this one was paused?); writing the queue afresh', { pending: this.queue.length });
        this.spool.rewrite(this.queue);
      }
      this.take(this.spool.adoptOrphans());
    } catch (err) {
      log.error('traces: spool upkeep failed', { error: (err as Error).message });
    }
  }

  private syncSpool(): void {
    this.spool.syncInBackground().catch((err: unknown) => log.error('traces: cannot fsync the spool', { error: errorMessage(err) }));
  }

  private async flushRound(): Promise<void> {
    if (Date.now() < this.nextAttemptAt || this.queue.length === 0) return;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.batchSize);
      let refused: Refused[];
      try {
        refused = await this.deliver(batch);
      } catch (err) {
        this.failures++;
        this.nextAttemptAt = Date.now() + Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1 || this.failures % 20 === 0) {
          log.warn('traces: control plane unreachable, holding traces', { pending: this.queue.length, error: (err as Error).message });
        }
        return;
      }
      this.failures = 0;
      // The queue may have been trimmed while sending; drop exactly what was sent.
      const sent = new Set(batch);
      this.queue = this.queue.filter((t) => !sent.has(t));
      this.delivered += batch.length - refused.length;
      for (const r of refused) this.deadLetters.add(r.trace, r.reason);
    }
    await this.compactSpool();
  }

  /** Sends a batch; a batch refused as a whole is split until each refused trace stands alone. */
  private async deliver(batch: Trace[]): Promise<Refused[]> {
    const answer = await sendBatch(batch, this.options);
    if (answer.kind === 'stored') {
      return [...answer.rejected].flatMap(([i, reason]) => {
        const trace = batch[i];
        return trace ? [{ trace, reason }] : [];
      });
    }
    if (batch.length === 1) return [{ trace: batch[0]!, reason: answer.reason }];
    const half = Math.ceil(batch.length / 2);
    const first = await this.deliver(batch.slice(0, half));
    return [...first, ...(await this.deliver(batch.slice(half)))];
  }

  // Delivered traces need not stay on disk: start the file afresh when all
  // are out, or rewrite it with what is left once it is mostly delivered.
  private async compactSpool(): Promise<void> {
    if (this.queue.length > 0 && this.spool.lines < 2 * this.queue.length + 1_000) return;
    try {
      await this.spool.compact(() => this.queue);
    } catch (err) {
      log.error('traces: spool compaction failed', { error: (err as Error).message });
    }
  }
}
