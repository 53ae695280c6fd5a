// Preloaded into the plugin server by the bench (NODE_OPTIONS=--require
// this file --expose-gc), in its main thread and in every worker thread:
// on SIGUSR2 each thread collects its garbage and reports its JS heap and
// its array buffers' memory (Buffers: outside the JS heap, and per thread),
// and the main thread writes the sums, with the process's RSS read after the
// collections, to BENCH_HEAP_FILE. The `memory` scenario reads it before and
// with its streams open. Does nothing until asked.
import { writeFileSync } from 'node:fs';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const CHANNEL = 'llm-gateway-bench-heap';
const collect = () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
};
const heapUsed = () => getHeapStatistics().used_heap_size;
// This thread's: each thread has an allocator of its own.
const arrayBuffers = () => process.memoryUsage().arrayBuffers;
type Reading = { thread: number; heapUsed: number; arrayBuffers: number };

const channel = new BroadcastChannel(CHANNEL);
channel.unref();

if (isMainThread) {
  const file = process.env.BENCH_HEAP_FILE;
  let replies: Reading[] = [];
  channel.onmessage = (e) => {
    const m = (e as MessageEvent).data as Reading & { type: string };
    if (m.type === 'heap') replies.push({ thread: m.thread, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers });
  };
  if (file) {
    process.on('SIGUSR2', () => {
      replies = [];
      channel.postMessage({ type: 'measure' });
      // Each worker answers once it has collected; done when none has answered for 500 ms (at most 5 s).
      const started = Date.now();
      let seen = 0;
      let quietSince = started;
      const poll = setInterval(() => {
        if (replies.length !== seen) [seen, quietSince] = [replies.length, Date.now()];
        if (Date.now() - quietSince < 500 && Date.now() - started < 5_000) return;
        clearInterval(poll);
        collect();
        const threads: Reading[] = [{ thread: threadId, heapUsed: heapUsed(), arrayBuffers: arrayBuffers() }, ...replies];
        const heap = threads.reduce((n, t) => n + t.heapUsed, 0);
        const buffers = threads.reduce((n, t) => n + t.arrayBuffers, 0);
        writeFileSync(file, JSON.stringify({ at: Date.now(), rss: process.memoryUsage().rss, heapUsed: heap, arrayBuffers: buffers, threads }));
      }, 50);
      poll.unref();
    });
  }
} else {
  // BENCH_HEAP_SNAPSHOTS=<folder>:<readings> (e.g. /tmp/snaps:1,2): also a heap snapshot of each worker at those
  // readings (counted from 1), written after the reading is reported, for finding what a stream holds.
  const [snapshotDir, wanted] = (process.env.BENCH_HEAP_SNAPSHOTS ?? '').split(':');
  const snapshotAt = new Set((wanted ?? '').split(',').filter(Boolean).map(Number));
  let readings = 0;
  channel.onmessage = (e) => {
    if (((e as MessageEvent).data as { type: string }).type !== 'measure') return;
    collect();
    channel.postMessage({ type: 'heap', thread: threadId, heapUsed: heapUsed(), arrayBuffers: arrayBuffers() });
    readings += 1;
    if (snapshotDir && snapshotAt.has(readings)) writeHeapSnapshot(`${snapshotDir}/thread${threadId}-reading${readings}.heapsnapshot`);
  };
}
