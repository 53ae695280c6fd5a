import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickSticky, pickWeighted } from './pick';

// A seeded generator (mulberry32) so the draw is reproducible.
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const split = [
  { id: 'a', weight: 70 },
  { id: 'b', weight: 20 },
  { id: 'c', weight: 10 },
  { id: 'fallback-only', weight: 0 },
];

function counts(pick: (i: number) => string | undefined, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = pick(i) ?? 'none';
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

test('weighted random split follows the weights over 10,000 picks', () => {
  const random = seeded(42);
  const n = 10_000;
  const c = counts(() => pickWeighted(split, random)?.id, n);
  // 99.9% binomial bounds: 3.3 standard deviations.
  for (const { id, weight } of split.slice(0, 3)) {
    const p = weight / 100;
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs((c[id] ?? 0) - n * p) < 3.3 * sd, `${id}: ${c[id]} vs ${n * p}`);
  }
  assert.equal(c['fallback-only'], undefined, 'weight 0 is never picked');
});

test('sticky picks follow the weights over 10,000 users', () => {
  const n = 10_000;
  const c = counts((i) => pickSticky(split, `user-${i}`)?.id, n);
  for (const { id, weight } of split.slice(0, 3)) {
    const p = weight / 100;
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs((c[id] ?? 0) - n * p) < 3.3 * sd, `${id}: ${c[id]} vs ${n * p}`);
  }
});

test('a sticky key always lands on the same destination', () => {
  for (let i = 0; i < 100; i++) {
    const first = pickSticky(split, `u${i}`)?.id;
    assert.equal(pickSticky(split, `u${i}`)?.id, first);
    assert.equal(pickSticky([...split].reverse(), `u${i}`)?.id, first, 'order of destinations does not matter');
  }
});

test('changing weights moves only the users that must move', () => {
  const after = [
    { id: 'a', weight: 60 },
    { id: 'b', weight: 30 },
    { id: 'c', weight: 10 },
  ];
  const n = 10_000;
  let moved = 0;
  let leftB = 0;
  for (let i = 0; i < n; i++) {
    const before = pickSticky(split, `user-${i}`)!.id;
    const now = pickSticky(after, `user-${i}`)!.id;
    if (before !== now) moved++;
    if (before === 'b' && now !== 'b') leftB++;
  }
  // 10% of traffic shifts from a to b; an ideal scheme moves exactly 10%,
  // a modulo hash would move most users.
  assert.ok(moved / n < 0.15, `moved ${moved / n}`);
  assert.equal(leftB, 0, 'nobody leaves the destination that gained weight');
});

test('no destination with weight yields no pick', () => {
  assert.equal(pickWeighted([{ id: 'x', weight: 0 }], Math.random), undefined);
  assert.equal(pickSticky([{ id: 'x', weight: 0 }], 'k'), undefined);
});
