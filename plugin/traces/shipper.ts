// Traces leave the data plane in batches. Each trace is appended to a spool
// file before it is queued, so a plugin-server restart loses nothing; the
// control plane ingests idempotently by trace id, so re-sending after a crash
// or a lost response duplicates nothing. The queue is bounded: beyond
// `maxQueued` the oldest traces are dropped and counted, never the process.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { request } from 'undici';
import type { Trace } from '../contract';
import { log } from '../log';

export interface ShipperOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  flushMs: number;
  maxQueued: number;
  batchSize: number;
  spoolFile: string;
}

export class TraceShipper {
  private queue: Trace[] = [];
  private spool: WriteStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private nextAttemptAt = 0;
  dropped = 0;
  delivered = 0;

  constructor(private readonly options: ShipperOptions) {}

  async start(): Promise<void> {
    await mkdir(dirname(this.options.spoolFile), { recursive: true, mode: 0o700 });
    const recovered = await this.readSpool();
    this.queue.push(...recovered);
    if (recovered.length > 0) log.info('traces: recovered spooled traces', { count: recovered.length });
    this.spool = createWriteStream(this.options.spoolFile, { flags: 'a', mode: 0o600 });
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  enqueue(trace: Trace): void {
    this.spool?.write(`${JSON.stringify(trace)}\n`);
    this.queue.push(trace);
    if (this.queue.length > this.options.maxQueued) {
      const excess = this.queue.length - this.options.maxQueued;
      this.queue.splice(0, excess);
      this.dropped += excess;
      log.warn('traces: queue full, dropped the oldest', { dropped: this.dropped });
    }
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

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    await new Promise<void>((resolve) => (this.spool ? this.spool.end(resolve) : resolve()));
  }

  private async flushRound(): Promise<void> {
    if (Date.now() < this.nextAttemptAt || this.queue.length === 0) return;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.batchSize);
      try {
        await this.send(batch);
      } catch (err) {
        this.failures++;
        this.nextAttemptAt = Date.now() + Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1 || this.failures % 20 === 0) {
          log.warn('traces: control plane unreachable, holding traces', { pending: this.queue.length, error: (err as Error).message });
        }
        return;
      }
      this.failures = 0;
      this.delivered += batch.length;
      // The queue may have been trimmed while sending; drop exactly what was sent.
      const sent = new Set(batch.map((t) => t.id));
      this.queue = this.queue.filter((t) => !sent.has(t.id));
    }
    await this.compactSpool();
  }

  private async send(batch: Trace[]): Promise<void> {
    const res = await request(`${this.options.controlPlaneUrl.replace(/\/$/, '')}/api/v1/dataplane/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ traces: batch }),
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`trace ingest answered ${res.statusCode}: ${text.slice(0, 200)}`);
  }

  // Everything spooled has been delivered: start the spool file afresh.
  private async compactSpool(): Promise<void> {
    if (this.queue.length > 0 || !this.spool) return;
    const old = this.spool;
    this.spool = undefined;
    await new Promise<void>((resolve) => old.end(resolve));
    // Traces enqueued while the old stream closed sit in the queue; re-spool them.
    await truncate(this.options.spoolFile, 0);
    this.spool = createWriteStream(this.options.spoolFile, { flags: 'a', mode: 0o600 });
    for (const trace of this.queue) this.spool.write(`${JSON.stringify(trace)}\n`);
  }

  private async readSpool(): Promise<Trace[]> {
    let text: string;
    try {
      text = await readFile(this.options.spoolFile, 'utf8');
    } catch {
      return [];
    }
    const traces: Trace[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        traces.push(JSON.parse(line) as Trace);
      } catch {
        // A torn last line from a crash mid-write: skip it.
      }
    }
    return traces;
  }
}
