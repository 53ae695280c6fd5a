import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LruMap } from './lru-map';

it('forgets the least recently used entries beyond its count and size, and expired ones', () => {
  let now = 0;
  const m = new LruMap<string>(2, 100, () => now);
  m.set('a', 'A', 10, 1_000);
  m.set('b', 'B', 10, 1_000);
  assert.equal(m.get('a'), 'A'); // a is now the most recent
  m.set('c', 'C', 10, 1_000);
  assert.deepEqual([m.get('a'), m.get('b'), m.get('c')], ['A', undefined, 'C']);
  m.set('big', 'X', 95, 1_000);
  assert.deepEqual([m.get('a'), m.get('c'), m.get('big')], [undefined, undefined, 'X'], 'evicted to make room for the bytes');
  m.set('huge', 'Y', 101, 1_000);
  assert.equal(m.get('huge'), undefined, 'larger than the whole map: not kept');
  now = 2_000;
  assert.equal(m.get('big'), undefined, 'expired');
  assert.equal(m.size, 0);
});
