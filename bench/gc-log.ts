// A bench diagnostic, loaded with `node --require dist/bench/gc-log.js`
// (tail-probe's TAIL_PROBE_GC=1 puts it in every process of the stack): each
// garbage collection of each thread, stamped on CLOCK_MONOTONIC like
// process.hrtime, appended to $BENCH_GC_LOG_DIR/<pid>-<threadId>.jsonl. The
// first line says which process and thread; the rest are one collection each.
import fs from 'node:fs';
import path from 'node:path';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

export interface GcEntry {
  /** CLOCK_MONOTONIC, ms. */
  at: number;
  ms: number;
  kind: 'minor' | 'major' | 'incremental' | 'weak callbacks' | 'other';
  /** V8 ran it because the code asked (gc()). */
  forced: boolean;
}

const KINDS: Record<number, GcEntry['kind']> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** Logs this thread's collections to `dir` (the preload calls it when BENCH_GC_LOG_DIR is set). */
export function startGcLog(dir: string): void {
  const monotonicAtZero = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const file = path.join(dir, `${process.pid}-${threadId}.jsonl`);
  let lines = [JSON.stringify({ process: process.argv.slice(1).join(' ').slice(0, 200), threadId })];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as PerformanceEntry & { detail?: { kind: number; flags: number } }).detail;
      const entry: GcEntry = {
        at: +(monotonicAtZero + e.startTime).toFixed(3),
        ms: +e.duration.toFixed(3),
        kind: KINDS[detail?.kind ?? -1] ?? 'other',
        forced: ((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0,
      };
      lines.push(JSON.stringify(entry));
    }
  }).observe({ entryTypes: ['gc'] });
  // Written in batches, off the collections themselves; whatever is left at exit too.
  const flush = () => {
    if (lines.length === 0) return;
    fs.appendFileSync(file, lines.join('\n') + '\n');
    lines = [];
  };
  setInterval(flush, 2_000).unref();
  process.on('exit', flush);
}

const dir = process.env.BENCH_GC_LOG_DIR;
if (dir) startGcLog(dir);

/** Every thread's collections from a log folder, labelled by process (a worker thread's own argv is empty). */
export function readGcLogs(dir: string): Array<{ label: string; entries: GcEntry[] }> {
  const logs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => {
      const [head, ...rest] = fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n');
      const who = JSON.parse(head!) as { process: string; threadId: number };
      return { pid: f.split('-')[0]!, ...who, entries: rest.map((l) => JSON.parse(l) as GcEntry) };
    });
  const processes = new Map(logs.filter((l) => l.threadId === 0).map((l) => [l.pid, labelOf(l.process)]));
  return logs
    .filter((l) => l.entries.length > 0)
    .map((l) => ({ label: `${processes.get(l.pid) ?? 'node'} ${l.pid}${l.threadId === 0 ? '' : ` thread ${l.threadId}`}`, entries: l.entries }));
}

function labelOf(command: string): string {
  if (command.includes('kong-js-pluginserver')) return 'plugin server';
  if (command.includes('control-plane')) return 'control plane';
  if (command.includes('fake-provider')) return 'fake provider';
  if (command.includes('tail-probe')) return 'client (tail-probe)';
  return command.split(' ')[0]?.split('/').pop() || 'node';
}
