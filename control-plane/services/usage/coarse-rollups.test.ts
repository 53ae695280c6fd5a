import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMates, keepOf, partsOf } from './coarse-rollups';
import { CURRENT_LAYOUT, FIRST_LAYOUT, docIdFor, parseRollupId, rollupId, type Family } from './rollup-layout';

const HOUR = Date.UTC(2031, 6, 2, 5);
const users = Array.from({ length: 500 }, (_, i) => `user-${i}`);

describe('parts of a built rollup', () => {
  it('an hour is the sum of its six 10-minute documents, six hours of their hours, a day of its six-hour documents', () => {
    assert.deepEqual(
      partsOf(rollupId('r', 'h', HOUR, 3), CURRENT_LAYOUT).map((p) => p.id),
      Array.from({ length: 6 }, (_, k) => rollupId('r', 'x', HOUR + k * 600_000, 3)),
    );
    assert.deepEqual(
      partsOf(rollupId('u', 'q', Date.UTC(2031, 6, 2, 6), 40), CURRENT_LAYOUT).map((p) => p.id),
      Array.from({ length: 6 }, (_, k) => rollupId('u', 'h', Date.UTC(2031, 6, 2, 6 + k), 40)),
    );
    assert.deepEqual(
      partsOf(rollupId('mu', 'd', Date.UTC(2031, 6, 2), 5), CURRENT_LAYOUT).map((p) => p.id),
      Array.from({ length: 4 }, (_, k) => rollupId('mu', 'q', Date.UTC(2031, 6, 2, 6 * k), 5)),
    );
    // Same shard counts: every row of the part belongs to the built document.
    for (const id of [rollupId('r', 'h', HOUR, 3), rollupId('u', 'q', HOUR - 5 * 3_600_000, 40)]) {
      assert.ok(
        partsOf(id, CURRENT_LAYOUT).every((p) => keepOf(p) === undefined),
        id,
      );
    }
  });

  // Users' hours are in 64 shards, their 10-minute documents in 8; the user pairs' in 8 and 1.
  for (const family of ['u', 'eu', 'mu'] as Family[]) {
    it(`${family}: each value's rows of an hour are in the part its hour shard reads, and kept by that shard alone`, () => {
      for (const user of users) {
        const value = family === 'u' ? user : `v-${user}`;
        const hour = docIdFor(family, 'h', HOUR, value, CURRENT_LAYOUT);
        const tenMinutes = docIdFor(family, 'x', HOUR, value, CURRENT_LAYOUT);
        const parts = partsOf(hour, CURRENT_LAYOUT);
        assert.equal(parts[0]!.id, tenMinutes, `${value}: ${hour} reads ${tenMinutes}`);
        // The value's rows go to its own hour shard and to no other shard that reads the same part.
        const keepers = buildMates(hour, CURRENT_LAYOUT).filter((mate) => keepOf(partsOf(mate, CURRENT_LAYOUT)[0]!)!(value));
        assert.deepEqual(keepers, [hour], value);
      }
    });
  }

  it('the shards of an hour of users that read the same 10-minute documents are built together, every shard once', () => {
    const seen = new Map<string, string>();
    for (let shard = 0; shard < 64; shard++) {
      const mates = buildMates(rollupId('u', 'h', HOUR, shard), CURRENT_LAYOUT);
      assert.equal(mates.length, 8);
      assert.ok(mates.includes(rollupId('u', 'h', HOUR, shard)));
      for (const mate of mates) assert.equal(parseRollupId(mate).shard! % 8, shard % 8);
      const group = mates.join();
      for (const mate of mates) assert.equal(seen.get(mate) ?? group, group, 'a shard in one group only');
      for (const mate of mates) seen.set(mate, group);
    }
    assert.equal(seen.size, 64);
    assert.deepEqual(buildMates(rollupId('r', 'h', HOUR, 2), CURRENT_LAYOUT), [rollupId('r', 'h', HOUR, 2)]);
    assert.deepEqual(buildMates(rollupId('u', 'd', Date.UTC(2031, 6, 2), 9), CURRENT_LAYOUT), [rollupId('u', 'd', Date.UTC(2031, 6, 2), 9)]);
  });

  it('before the layout mark of 64 shards, an hour of users and its 10-minute documents share their 8 shards', () => {
    const hour = rollupId('u', 'h', HOUR, 5);
    const parts = partsOf(hour, FIRST_LAYOUT);
    assert.deepEqual(
      parts.map((p) => p.id),
      Array.from({ length: 6 }, (_, k) => rollupId('u', 'x', HOUR + k * 600_000, 5)),
    );
    assert.ok(parts.every((p) => keepOf(p) === undefined));
    assert.deepEqual(buildMates(hour, FIRST_LAYOUT), [hour]);
  });
});
