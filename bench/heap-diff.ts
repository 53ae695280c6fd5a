// What the streams of the `memory` scenario hold, from two heap snapshots of
// one data worker (BENCH_HEAP_SNAPSHOTS, bench/heap-probe.ts): the objects in
// the second snapshot that were not in the first (V8 keeps an object's id
// across snapshots of one thread), grouped by kind and constructor, per stream.
//   BENCH_HEAP_SNAPSHOTS=/tmp/snaps:1,3 node dist/bench/run.js --only=memory
//   node dist/bench/heap-diff.js /tmp/snaps/thread1-reading1.heapsnapshot /tmp/snaps/thread1-reading3.heapsnapshot [streams=1000]
// Readings 1, 2 and 3 are the first pass's before, half open and all open:
// from 2 to 3 leaves out what the first streams paid once, such as `code`
// (functions compiled on first use). A worker's snapshot of a few hundred MiB
// needs --max-old-space-size=8000.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function nodesOf(file: string) {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const at = (name: string) => fields.indexOf(name);
  return { s, width: fields.length, type: at('type'), name: at('name'), id: at('id'), size: at('self_size'), types: s.snapshot.meta.node_types[0] };
}

const [before, after, streams = '1000'] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: heap-diff <before.heapsnapshot> <after.heapsnapshot> [streams]');
const old = nodesOf(before);
const seen = new Set<number>();
for (let i = 0; i < old.s.nodes.length; i += old.width) seen.add(old.s.nodes[i + old.id]!);

const now = nodesOf(after);
const groups = new Map<string, { count: number; bytes: number }>();
let total = 0;
for (let i = 0; i < now.s.nodes.length; i += now.width) {
  const n = now.s.nodes;
  if (seen.has(n[i + now.id]!)) continue;
  const type = now.types[n[i + now.type]!]!;
  const name = type.includes('string') ? '' : now.s.strings[n[i + now.name]!]!.slice(0, 60);
  const key = `${type} ${name}`.trim();
  const g = groups.get(key) ?? { count: 0, bytes: 0 };
  g.count++;
  g.bytes += n[i + now.size]!;
  groups.set(key, g);
  total += n[i + now.size]!;
}
const per = Number(streams);
console.log(`new: ${(total / 1024 / per).toFixed(2)} KiB per stream (${streams} streams)`);
for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40)) {
  console.log(`${(g.bytes / 1024 / per).toFixed(3).padStart(8)} KiB ${(g.count / per).toFixed(2).padStart(7)} per stream  ${key}`);
}
