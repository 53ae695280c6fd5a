import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PackedJson } from './packed-json';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A long value that deflates well, as an agent's turn does (~22 KiB of JSON). */
const value = (i: number) => ({
  id: i,
  messages: Array.from({ length: 60 }, (_, j) => ({ role: 'tool', content: `row ${j} of order ${i}: shipped, tracking pending, carrier notified` })),
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

it('holds about its packed size off the heap, not the 16 KiB chunk zlib wrote it into', () => {
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const held = Array.from({ length: 2_000 }, (_, i) => {
    const p = new PackedJson(value(i));
    p.pack();
    return p;
  });
  gc();
  const perValue = (process.memoryUsage().arrayBuffers - before) / held.length;
  const packed = held[0]!.packedBytes;
  assert.ok(perValue < packed + 1_024, `${perValue.toFixed(0)} bytes held per value of ${packed} packed bytes`);
});
