// The flusher's side of the rollup thread (rollup-thread.ts): plans a group
// there and asks for its merged document bodies. A thread that exits (a
// crash, an out-of-memory) fails the calls in flight and is replaced at the
// next plan; plans it held are gone (`held` turns false) and the flusher
// plans that group again from its traces.
import { extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Trace } from '../../../plugin/contract';
import type { Logger } from '../../logger';
import type { RollupLayout } from './rollup-layout';
import type { RollupReply, RollupRequest } from './rollup-thread';

export interface PlannedRollups {
  /** The rollup documents the group adds to. */
  readonly ids: string[];
  /** False once the thread that holds the plan is gone: plan the group again. */
  readonly held: boolean;
  /** The documents' bodies (msgpack) with the group merged in, over their stored bodies (null: a new document). */
  merge(docs: Array<[id: string, stored: Uint8Array | null]>): Promise<Uint8Array[]>;
  /** The plan is applied (or abandoned): the thread drops it. */
  release(): void;
}

interface Call {
  resolve(reply: RollupReply): void;
  reject(err: Error): void;
}

// The thread allocates a cell and three sketches per row and level: a large young generation lets
// most of that die there instead of being copied out. 32 MB (an earlier value) is what V8 gives a
// thread anyway (two 16 MB semi-spaces). Planning and merging 200,000 traces of a 1M-a-day load in a
// thread: 82-84 µs of CPU per trace at 32, 75-77 at 128, no better at 256 or 384 (bench/RESULTS.md §33).
const YOUNG_GENERATION_MB = 128;
const TRACES_PER_MESSAGE = 1_000;

/** rollup-thread.js when built; under tsx (tests) the .ts, through tsx's require hook (a worker does not inherit `--import tsx`). */
function newThread(options: WorkerOptions): Worker {
  const entry = join(__dirname, `rollup-thread${extname(__filename)}`);
  if (entry.endsWith('.js')) return new Worker(entry, options);
  return new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`, { ...options, eval: true });
}

export class RollupPlanner {
  private worker?: Worker;
  private readonly calls = new Map<number, Call>();
  private nextCall = 0;
  private nextGroup = 0;
  private closed = false;

  constructor(private readonly log: Logger) {}

  async plan(traces: Trace[], layout: RollupLayout, deferBuilt: boolean): Promise<PlannedRollups> {
    const worker = this.thread();
    const group = ++this.nextGroup;
    // In parts, the event loop free between them: copying a 20,000-trace group to the thread at once took ~50 ms.
    for (let i = 0; i < traces.length; i += TRACES_PER_MESSAGE) {
      if (i > 0) await new Promise(setImmediate);
      worker.postMessage({ op: 'add', group, traces: traces.slice(i, i + TRACES_PER_MESSAGE) } satisfies RollupRequest);
    }
    const reply = await this.call(worker, (call) => ({ op: 'plan', call, group, layout, deferBuilt }));
    const ids = 'ids' in reply ? reply.ids : [];
    const held = () => this.worker === worker;
    return {
      ids,
      get held() {
        return held();
      },
      merge: async (docs) => {
        // Stored bodies are Buffers: views into the driver's reply, or into Node's shared slab (64 KiB
        // from Node 24, which refuses to transfer it). A Buffer's slice() is another view; a copy into
        // memory of its own crosses alone and leaves the driver's bytes where they were.
        const copies = docs.map(([id, stored]): [string, Uint8Array | null] => [id, stored ? new Uint8Array(stored) : null]);
        const r = await this.call(
          worker,
          (call) => ({ op: 'merge', call, group, docs: copies }),
          copies.flatMap(([, b]) => (b ? [b.buffer as ArrayBuffer] : [])),
        );
        return 'bodies' in r ? r.bodies : [];
      },
      release: () => {
        if (held()) worker.postMessage({ op: 'release', group } satisfies RollupRequest);
      },
    };
  }

  /** Ends the thread (plans it holds are lost). */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  /** Ends the thread as a crash would (tests). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private thread(): Worker {
    if (this.closed) throw new Error('the rollup planner is closed');
    if (this.worker) return this.worker;
    const worker = newThread({ resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.unref(); // the flusher's own timers decide how long the process lives
    worker.on('message', (reply: RollupReply) => {
      const call = this.calls.get(reply.call);
      this.calls.delete(reply.call);
      if (!call) return;
      if ('error' in reply) call.reject(new Error(reply.error));
      else call.resolve(reply);
    });
    worker.on('error', (err) => this.log.error({ err }, 'rollup thread failed'));
    worker.once('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      const calls = [...this.calls.values()];
      this.calls.clear();
      for (const c of calls) c.reject(new Error(`the rollup thread exited (${code})`));
      if (!this.closed) this.log.warn({ code }, 'rollup thread exited; the next group starts a new one');
    });
    this.worker = worker;
    return worker;
  }

  private call(worker: Worker, request: (call: number) => RollupRequest, transfer: ArrayBuffer[] = []): Promise<RollupReply> {
    // A thread that exited fails the calls it had; one made after that would wait forever.
    if (this.worker !== worker) return Promise.reject(new Error('the rollup thread that held this plan is gone'));
    const call = ++this.nextCall;
    return new Promise<RollupReply>((resolve, reject) => {
      this.calls.set(call, { resolve, reject });
      worker.postMessage(request(call), transfer);
    });
  }
}
