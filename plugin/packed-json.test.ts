import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PackedJson } from './packed-json';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Garbage collected, and its buffers' memory given back (V8 frees array buffers' memory on another thread, after the collection). */
async function collected(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A long value that deflates well, as an agent's turn does (~22 KiB of JSON). */
const value = (i: number, rows = 60) => ({
  id: i,
  messages: Array.from({ length: rows }, (_, j) => ({ role: 'tool', content: `row ${j} of order ${i}: shipped, tracking pending, carrier notified` })),
});

it('gives back an equal copy of a long value, and keeps a short one as it is', () => {
  const long = new PackedJson(value(1));
  long.pack();
  assert.ok(long.packedBytes > 0 && long.packedBytes < JSON.stringify(value(1)).length / 4);
  assert.deepEqual(long.read(), value(1));
  const short = { role: 'user', content: 'hi' };
  const kept = new PackedJson(short);
  kept.pack();
  assert.equal(kept.packedBytes, 0);
  assert.equal(kept.read(), short);
});

// Node keeps small Buffers in shared slabs (8 KiB up to Node 22, 64 KiB from
// Node 24), and zlib converts its input string into one of them: a kept copy
// taken from a slab keeps alive the slab and the inputs beside it.
for (const [what, rows] of [
  ['an agent turn of ~22 KiB of JSON', 240],
  ['a value of ~3 KiB', 30],
] as const) {
  it(`holds about its packed size off the heap, not a chunk or slab shared with zlib's garbage: ${what}`, async () => {
    assert.ok(JSON.stringify(value(0, rows)).length > 2048);
    await collected();
    const before = process.memoryUsage().arrayBuffers;
    const held = Array.from({ length: 2_000 }, (_, i) => {
      const p = new PackedJson(value(i, rows));
      p.pack();
      return p;
    });
    await collected();
    const perValue = (process.memoryUsage().arrayBuffers - before) / held.length;
    const packed = held[0]!.packedBytes;
    assert.ok(perValue < packed + 1_024, `${perValue.toFixed(0)} bytes held per value of ${packed} packed bytes`);
  });
}
