import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerGrant } from '../contract';
import { SliceBook } from './slice-book';

const grant = (over: Partial<LedgerGrant> = {}): LedgerGrant => ({
  policyId: 'p',
  subject: '',
  leaseId: 'l1',
  kind: 'slice',
  granted: 100,
  windowStart: '2024-05-15T13:47:00.000Z',
  windowEnd: '2024-05-15T13:48:00.000Z',
  ttlMs: 10_000,
  ...over,
});

describe('slice book (injected clock)', () => {
  it('admits locally while the slice has room, never beyond it', () => {
    const now = Date.parse('2024-05-15T13:47:10Z');
    const book = new SliceBook(() => now);
    book.add(grant(), 30, now + 8_000);
    assert.ok(book.take('p', '', 30));
    assert.ok(book.take('p', '', 40));
    assert.equal(book.take('p', '', 1), undefined, '30 + 30 + 40 = 100 held');
    assert.equal(book.take('p', 'alice', 1), undefined, 'another subject has no slice');
  });

  it('settling frees the unused part of a reservation and counts the actual spend', () => {
    const now = Date.parse('2024-05-15T13:47:10Z');
    const book = new SliceBook(() => now);
    const slice = book.add(grant(), 50, now + 8_000);
    assert.ok(book.take('p', '', 50));
    book.settle(slice, 50, { units: 20, usd: 0.2, tokens: 20 });
    assert.ok(book.take('p', '', 30), 'room: 100 - 50 held - 20 used');
    assert.equal(book.take('p', '', 1), undefined);
  });

  it('stops admitting at the window boundary and gives the slice back once idle', () => {
    let now = Date.parse('2024-05-15T13:47:59.900Z');
    const book = new SliceBook(() => now, { idleMs: 1_000, reportMs: 1_000 });
    const slice = book.add(grant(), 10, now + 8_000);
    assert.ok(book.take('p', '', 10));
    now = Date.parse('2024-05-15T13:48:00.000Z');
    assert.equal(book.take('p', '', 1), undefined, 'the boundary instant belongs to the next window');
    assert.equal(book.due().releases.length, 0, 'requests in flight keep it');
    book.settle(slice, 10, { units: 7, usd: 0, tokens: 7 });
    book.settle(slice, 10, { units: 3, usd: 0, tokens: 3 });
    const { releases } = book.due();
    assert.equal(releases.length, 1);
    assert.equal(releases[0]!.usage.units, 10, 'the release carries the unreported usage');
    assert.equal(book.size(), 0);
  });

  it('reports busy slices every reportMs and releases idle ones after idleMs', () => {
    let now = 1_000_000;
    const book = new SliceBook(() => now, { idleMs: 1_000, reportMs: 500 });
    const slice = book.add(grant({ windowEnd: new Date(now + 60_000).toISOString() }), 10, now + 8_000);
    book.settle(slice, 10, { units: 4, usd: 0, tokens: 4 });
    assert.ok(book.take('p', '', 1));
    now += 600;
    const first = book.due();
    assert.equal(first.reports.length, 1);
    assert.equal(first.reports[0]!.usage.units, 4);
    book.settle(slice, 1, { units: 1, usd: 0, tokens: 1 });
    now += 999;
    const second = book.due();
    assert.equal(second.releases.length, 0, 'not idle yet');
    assert.equal(second.reports[0]!.usage.units, 1);
    now += 1;
    assert.equal(book.due().releases[0]!.usage.units, 0, 'everything was reported already');
  });

  it('stops admitting when the lease may have lapsed (renewal missing), and after a drop', () => {
    let now = 5_000;
    const book = new SliceBook(() => now);
    book.add(grant({ windowEnd: new Date(now + 60_000).toISOString() }), 0, now + 1_000);
    now += 1_000;
    assert.equal(book.take('p', '', 1), undefined);
    book.renewed(now + 5_000);
    assert.ok(book.take('p', '', 1));
    book.drop('l1');
    assert.equal(book.take('p', '', 1), undefined);
  });

  it('a settle after the slice went back reports false (the caller charges it directly)', () => {
    const now = 5_000;
    const book = new SliceBook(() => now);
    const slice = book.add(grant({ windowEnd: new Date(now + 60_000).toISOString() }), 5, now + 8_000);
    book.due(true);
    assert.equal(book.settle(slice, 5, { units: 5, usd: 0, tokens: 5 }), false);
  });
});
