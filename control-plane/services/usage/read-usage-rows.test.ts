import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coveringBuckets, familyFor, widenToFamily } from './read-usage-rows';
import { CURRENT_LAYOUT, docIdFor, finestOf, FIRST_LAYOUT, shardCount } from './rollup-layout';

const DAY = 86_400_000;
const window = { from: new Date(Date.UTC(2031, 0, 2, 5, 49)), to: new Date(Date.UTC(2031, 0, 3, 5, 49)) };

describe('the family a usage query reads', () => {
  it('a grouping by user filtered by endpoint, model or provider reads a user pair (the filtered value’s shard, or every shard for a provider)', () => {
    assert.deepEqual(familyFor('user', { endpoint: 'chat' }, window, CURRENT_LAYOUT), { family: 'eu', only: 'chat' });
    assert.deepEqual(familyFor('user', { provider: 'openai' }, window, CURRENT_LAYOUT), { family: 'mu', only: undefined }, 'every shard of models');
    assert.deepEqual(familyFor('user', { model: 'gpt-4o' }, window, CURRENT_LAYOUT), { family: 'mu', only: 'gpt-4o' });
    assert.deepEqual(familyFor('user', { provider: 'openai', model: 'gpt-4o' }, window, CURRENT_LAYOUT), { family: 'mu', only: 'gpt-4o' });
  });

  it('filters of two pairs or of the API, a user or a run, and windows before the pairs’ mark read the users (or runs)', () => {
    assert.deepEqual(familyFor('user', { endpoint: 'chat', provider: 'openai' }, window, CURRENT_LAYOUT), { family: 'u', only: undefined });
    assert.deepEqual(familyFor('user', { api: 'responses' }, window, CURRENT_LAYOUT), { family: 'u', only: undefined });
    assert.deepEqual(familyFor('user', { endpoint: 'chat', user: 'u7' }, window, CURRENT_LAYOUT), { family: 'u', only: 'u7' });
    assert.deepEqual(familyFor('user', { run: 'r1', endpoint: 'chat' }, window, CURRENT_LAYOUT), { family: 'r', only: 'r1' });
    assert.deepEqual(familyFor('user', { endpoint: 'chat' }, window, FIRST_LAYOUT), { family: 'u', only: undefined });
    const markInside = { ...CURRENT_LAYOUT, userPairsSince: Date.UTC(2031, 0, 3) };
    assert.deepEqual(familyFor('user', { endpoint: 'chat' }, window, markInside), { family: 'u', only: undefined });
    assert.deepEqual(familyFor('endpoint', { provider: 'openai' }, window, CURRENT_LAYOUT), { family: 't' });
    assert.deepEqual(familyFor('user', {}, window, CURRENT_LAYOUT), { family: 'U' });
  });

  it('pairs keep 10 minutes in one document and split hours and coarser by the filtered value', () => {
    const hour = Date.UTC(2031, 0, 2, 5);
    assert.equal(shardCount('eu', 'x', hour, CURRENT_LAYOUT), 1);
    assert.equal(shardCount('eu', 'h', hour, CURRENT_LAYOUT), 8);
    assert.equal(shardCount('eu', 'd', hour - 5 * 3_600_000, FIRST_LAYOUT), 8);
    const chat = docIdFor('eu', 'h', hour, 'chat', CURRENT_LAYOUT);
    assert.equal(docIdFor('eu', 'h', hour, 'chat', CURRENT_LAYOUT), chat, 'stable');
    assert.match(chat, /^eu\|h\|2031-01-02T05:00:00\.000Z\|[0-7]$/);
    assert.equal(shardCount('u', 'h', hour, { ...CURRENT_LAYOUT, userShardsSince: hour + DAY }), 8, 'users before their mark: eight');
  });
});

describe('the buckets a window reads', () => {
  const names = (w: typeof window, family: 'u' | 't') =>
    coveringBuckets(w, DAY, 0, finestOf(family)).map((b) => `${b.g.name}@${new Date(b.start).toISOString().slice(11, 16)}`);

  it('users, runs and user pairs start at 10 minutes: their windows are widened to whole 10 minutes and read without minutes', () => {
    for (const family of ['u', 'r', 'eu', 'mu'] as const) assert.equal(finestOf(family).name, 'x', family);
    for (const family of ['t', 'U', 'R', 'S'] as const) assert.equal(finestOf(family).name, 'm', family);
    const short = { from: new Date(Date.UTC(2031, 0, 2, 5, 49)), to: new Date(Date.UTC(2031, 0, 2, 7, 11)) };
    const wide = widenToFamily(short, 'u');
    assert.deepEqual(wide, { from: new Date(Date.UTC(2031, 0, 2, 5, 40)), to: new Date(Date.UTC(2031, 0, 2, 7, 20)) });
    assert.deepEqual(widenToFamily(short, 't'), short, 'minute families keep the window');
    assert.deepEqual(names(wide, 'u'), ['x@05:40', 'x@05:50', 'h@06:00', 'x@07:00', 'x@07:10']);
    assert.deepEqual(names(short, 't').slice(0, 2), ['m@05:49', 'x@05:50']);
    assert.throws(() => names(short, 'u'), /not whole x buckets/);
  });
});
