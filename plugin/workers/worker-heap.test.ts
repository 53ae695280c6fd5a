import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { prepareWorkerHeaps } from './worker-heap';

setFlagsFromString('--expose-gc');

// A worker that grows its heap as a burst of requests would, lets it go, and
// then idles with a little young-generation work (which tells V8 the
// allocation rate is low). It reports each full collection from then on.
const IDLE_WORKER = `
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { parentPort } = require('node:worker_threads');
let keep = [];
for (let i = 0; i < 400; i++) { keep.push(new Array(20000).fill({ i })); if (keep.length > 300) keep.shift(); }
keep = [];
globalThis.gc();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) parentPort.postMessage('full collection');
}).observe({ entryTypes: ['gc'] });
setInterval(() => globalThis.gc({ type: 'minor' }), 250);
`;

function fullCollections(worker: Worker): { count: () => number; first: Promise<void> } {
  let n = 0;
  const first = new Promise<void>((resolve) =>
    worker.on('message', () => {
      n++;
      resolve();
    }),
  );
  return { count: () => n, first };
}

test('worker threads run without V8 memory reducer: an idle worker does no full collections', { timeout: 60_000 }, async () => {
  // Made before the flag: V8's default, whose memory reducer collects an idle heap within ~8 s.
  const usual = new Worker(IDLE_WORKER, { eval: true });
  await once(usual, 'online'); // its heap exists: made on the worker's thread, not by the constructor
  prepareWorkerHeaps();
  const ours = new Worker(IDLE_WORKER, { eval: true });
  try {
    const seen = { usual: fullCollections(usual), ours: fullCollections(ours) };
    await Promise.race([seen.usual.first, new Promise((r) => setTimeout(r, 30_000).unref())]);
    assert.ok(seen.usual.count() > 0, 'with V8 defaults the idle worker was collected in full (what this test looks for)');
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(seen.ours.count(), 0);
  } finally {
    await Promise.all([usual.terminate(), ours.terminate()]);
  }
});
