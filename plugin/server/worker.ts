// Entry of a data-plane worker thread (its runtime: worker-runtime.ts). The main
// thread sends `stop` with a grace period (Kong stopping the plugin server,
// the parent gone, a configuration no longer used, tests): the worker drains
// its requests and streams, flushes or spools its traces, and ends its thread.
//
// A worker starts as a spare (../workers/spare-worker.ts keeps one ready): it loads every
// module (schema compilers included), runs the translation paths once and
// makes a few HTTP requests to itself (warm-http.ts), so the JIT has seen
// them, then waits for `start` with its configuration. The
// first request after start-up, or after a worker crash, then pays none of it.
import '../compile-cache';
import { parentPort } from 'node:worker_threads';
import { startRuntime, stopRuntime } from './worker-runtime';
import { errorMessage, log } from '../log';
import type { PluginConfig } from '../schema';
import { warmHttp } from './warm-http';
import { warmTranslation } from './warm-translation';
import { loadPriceTable } from '../pricing';
import { loadAllProviders } from '../providers';
import { warmDone } from './warm-signal';

export interface WorkerInput {
  config: PluginConfig;
  id: string;
  ticketKey: Uint8Array;
  /** The signer's count of issued tickets (shared memory). */
  ticketsIssued: BigInt64Array;
  /** The signer's ticket book (shared memory, ticket-book.ts). */
  ticketBook: SharedArrayBuffer;
}

export type WorkerMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string };
export type WorkerCommand = { type: 'start'; input: WorkerInput } | { type: 'stop'; graceMs: number } | { type: 'crash' };

const WARM_ROUNDS = 200;
const WARM_STEP = 20;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

let taken = false;
port.once('message', (m: WorkerCommand) => {
  taken = true;
  if (m.type === 'start') start(m.input);
  else if (m.type === 'stop') endThread(); // a spare no longer needed
});
const translationWarm = new Promise<void>((done) => warmInSteps(WARM_ROUNDS, done));
const httpWarm = warmHttp().catch((err: unknown) => log.warn('data plane: HTTP warm-up failed', { error: errorMessage(err) }));
// Warm and still a spare (idle by design): what bundle-loader.ts asked for, V8's code cache saved once.
void Promise.all([translationWarm, httpWarm]).then(() => {
  if (!taken) warmDone();
});

// The translation warm-up in steps, with the event loop turning between them:
// a spare taken while it warms (a request the moment a plugin server started)
// starts at the next step instead of after the whole warm-up (40-65 ms on a
// busy machine). The first step pays the first runs' compilation, the later
// ones only help the JIT.
function warmInSteps(rounds: number, done: () => void): void {
  if (taken) return;
  if (rounds <= 0) {
    // Warm and still a spare: what a started worker would load on first use, the price table (pricing.ts) and every provider.
    loadPriceTable();
    loadAllProviders();
    done();
    return;
  }
  try {
    warmTranslation(Math.min(WARM_STEP, rounds));
  } catch (err) {
    // Only a head start: a failure here must not keep the worker from serving.
    log.warn('data plane: warm-up failed', { error: (err as Error).message });
    return;
  }
  setImmediate(() => warmInSteps(rounds - WARM_STEP, done));
}
// Fault injection (chaos and worker tests only): an uncaught error ends the
// thread as a crash would, with no drain and no flush.
if (process.env.LLM_GATEWAY_FAULT_INJECTION === 'crash-workers-on-sigusr2') {
  port.on('message', (m: WorkerCommand) => {
    if (m.type === 'crash')
      setImmediate(() => {
        throw new Error('fault injection: data-plane worker crash');
      });
  });
}

// The thread ends itself, from a message callback: ended from outside
// (worker.terminate()) while its HTTP parser runs, Node can abort the whole
// process (FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal, seen in CI).
function endThread(): void {
  process.exit(0);
}

function start(input: WorkerInput): void {
  startRuntime(input.config, input.id, { key: Buffer.from(input.ticketKey), issued: input.ticketsIssued, book: input.ticketBook }).then(
    (runtime) => {
      send({ type: 'ready', port: runtime.server.port });
      let stopping: Promise<void> | undefined;
      port.on('message', (m: WorkerCommand) => {
        if (m.type !== 'stop') return;
        stopping ??= stopRuntime(runtime, m.graceMs)
          .catch((err: unknown) => log.error('data plane: stop failed', { error: errorMessage(err) }))
          .finally(endThread);
      });
    },
    (err: unknown) => {
      send({ type: 'failed', error: errorMessage(err) }); // delivered before the thread's exit
      endThread();
    },
  );
}
