// V8 settings for the data-plane worker threads, set before the first one is
// made: a worker's heap reads V8's flags when it is created (the main
// thread's heap exists before any plugin code runs and keeps the defaults).
//
// --no-memory-reducer. V8's memory reducer follows a full collection with up
// to three more, each 7-20 ms here, as soon as the allocation rate looks low,
// to hand memory back to the system. A data worker at one client looks idle
// to it most of the time, and the spare worker (spare-worker.ts) is idle by
// design: with the reducer, the spare alone spent 26-53 ms in full
// collections per 28-second run, on cores the requests need, and the data
// worker now and then 3 full collections in a row (bench/RESULTS.md §26).
// Memory is still collected as the heap grows; an idle worker just keeps its
// heap at the size its load needed.
import { setFlagsFromString } from 'node:v8';

let applied = false;

export function prepareWorkerHeaps(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-memory-reducer');
}
