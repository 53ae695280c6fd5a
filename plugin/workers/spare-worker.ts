// Data-plane worker threads (../server/worker.ts) as the main thread makes
// them, with one spare kept ready.
//
// Cold start: a worker loading its modules and warming its translation paths
// takes most of a second (seconds on a busy machine). Kong names a plugin's
// configuration only with its first request, so one spare worker does that
// work in advance, from start-up on: the first request after start, and the
// first after a worker crash, take the spare and wait only for the worker's
// runtime (config, ports). LLM_GATEWAY_SPARE_WORKER=0 keeps none.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { log } from '../log';
import type { WorkerCommand } from '../server/worker';
import { prepareWorkerHeaps } from './worker-heap';

// Kong also loads the plugin in a short-lived `kong-js-pluginserver --dump-all-plugins` for its schema: no spare there.
const DUMPING_PLUGIN_INFO = process.argv.some((arg) => /^--?dump/i.test(arg));
const SPARE_ENABLED = process.env.LLM_GATEWAY_SPARE_WORKER !== '0' && !DUMPING_PLUGIN_INFO;
let spare: Worker | undefined;
let spareLost: ((err?: Error) => void) | undefined;
let closed = false;

/** Every worker thread alive in this process (spare included). */
export const liveWorkers = new Set<Worker>();

const WORKER_MODULES = join(__dirname, '../server/worker.js');
const WORKER_BUNDLE = join(__dirname, '../server/worker.bundle.js');
const BUNDLED_WORKER = join(__dirname, '../server/bundled-worker.js');

/**
 * The worker's entry: the build's bundle of its modules (scripts/bundle-worker.ts,
 * a start ~10 ms shorter), run with V8's code cache by `bundled`
 * (../server/bundle-loader.ts), unless the bundle is missing (running from the
 * sources) or older than tsc's output (a `tsc` without the rest of `npm run
 * build`), when the modules one by one.
 */
export function workerEntry(bundle = WORKER_BUNDLE, modules = WORKER_MODULES, bundled = BUNDLED_WORKER): string {
  const mtime = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  const bundleTime = mtime(bundle);
  const compiled = mtime(modules);
  return bundleTime !== undefined && (compiled === undefined || bundleTime >= compiled) ? bundled : modules;
}

function spawnWorker(): Worker {
  prepareWorkerHeaps();
  const worker = new Worker(workerEntry());
  liveWorkers.add(worker);
  worker.once('exit', () => liveWorkers.delete(worker));
  return worker;
}

export function hasSpare(): boolean {
  return spare !== undefined;
}

/** Makes the spare now, unless there is one (or none is wanted). */
export function makeSpare(): void {
  if (!SPARE_ENABLED || spare || closed) return;
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
  spareLost = lost;
}

function keepSpare(delayMs: number): void {
  if (!SPARE_ENABLED || spare || closed) return;
  // Later, so that making it does not compete with the request that took the last one.
  setTimeout(makeSpare, delayMs).unref();
}

/** The spare if there is one (unless `fresh`), else a new worker; a new spare follows. */
export function takeWorker(fresh: boolean): Worker {
  const worker = (!fresh && spare) || spawnWorker();
  if (worker === spare) {
    if (spareLost) worker.off('error', spareLost);
    spare = undefined;
  }
  worker.ref();
  keepSpare(2_000);
  return worker;
}

/** Ends the spare and makes no other (the process is stopping). */
export function closeSpare(): void {
  closed = true;
  // It ends itself when asked (ended from outside during its HTTP warm-up, the process could abort).
  spare?.postMessage({ type: 'stop', graceMs: 0 } satisfies WorkerCommand);
  spare = undefined;
}

// At once: a request in the plugin server's first seconds would otherwise pay a
// whole worker's start (~300 ms). Kong's first calls (plugin list, schemas)
// run on this thread meanwhile; the spare loads on its own. The start command
// (../kong-js-pluginserver.ts) makes it sooner still, before kong-pdk loads.
keepSpare(0);
