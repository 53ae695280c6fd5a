// The rollup thread: plans what a group of traces adds to the rollups and
// merges it into stored documents, off the control plane's event loop.
//
// Planning and merging are pure CPU (about a third of the control plane's
// time under bulk ingest, its garbage included): on the event loop they
// capped ingest at one core while the HTTP routes waited. The thread keeps
// each group's plan until the flusher releases it; the flusher keeps the
// database work (reads, writes, exactly-once marks) and re-plans a group
// whose thread was lost (rollup-planner.ts).
import { parentPort } from 'node:worker_threads';
import { decode } from '@msgpack/msgpack';
import type { Trace } from '../../../plugin/contract';
import { planUsageRollups, type RollupDelta } from './plan-usage-rollups';
import { encodeBody, mergeBody, type RowsBody } from './rollup-body';
import { isBuiltLevel, parseRollupId, type RollupLayout } from './rollup-layout';

export type RollupRequest =
  | { op: 'add'; group: number; traces: Trace[] }
  | { op: 'plan'; call: number; group: number; layout: RollupLayout; deferBuilt: boolean }
  | { op: 'merge'; call: number; group: number; docs: Array<[id: string, stored: Uint8Array | null]> }
  | { op: 'release'; group: number };

export type RollupReply = { call: number; ids: string[] } | { call: number; bodies: Uint8Array[] } | { call: number; error: string };

const plans = new Map<number, RollupDelta>();
/** Traces of groups not planned yet, as they came in parts. */
const arriving = new Map<number, Trace[][]>();

function merge(group: number, docs: Array<[string, Uint8Array | null]>): Uint8Array[] {
  const delta = plans.get(group);
  if (!delta) throw new Error(`rollup plan ${group} is not held by this thread`);
  return docs.map(([id, stored]) => {
    const rows = delta.get(id);
    if (rows === undefined) throw new Error(`${id} is not in rollup plan ${group}`);
    if (rows === null) throw new Error(`${id} is built from its hours, not merged`);
    const body = mergeBody(parseRollupId(id).family, stored ? (decode(stored) as RowsBody) : undefined, rows);
    return encodeBody(body);
  });
}

function handle(m: RollupRequest): RollupReply | undefined {
  switch (m.op) {
    case 'add': {
      const parts = arriving.get(m.group);
      if (parts) parts.push(m.traces);
      else arriving.set(m.group, [m.traces]);
      return undefined;
    }
    case 'plan': {
      const traces = (arriving.get(m.group) ?? []).flat();
      arriving.delete(m.group);
      const delta = planUsageRollups(traces, m.layout, m.deferBuilt ? isBuiltLevel : undefined);
      plans.set(m.group, delta);
      return { call: m.call, ids: [...delta.keys()] };
    }
    case 'merge':
      return { call: m.call, bodies: merge(m.group, m.docs) };
    case 'release':
      plans.delete(m.group);
      return undefined;
  }
}

parentPort?.on('message', (m: RollupRequest) => {
  let reply: RollupReply | undefined;
  try {
    reply = handle(m);
  } catch (err) {
    reply = { call: (m as { call: number }).call, error: (err as Error).message };
  }
  if (!reply) return;
  const transfer = 'bodies' in reply ? reply.bodies.map((b) => b.buffer as ArrayBuffer) : [];
  parentPort!.postMessage(reply, transfer);
});
