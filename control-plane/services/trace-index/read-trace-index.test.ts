// Listing the trace index: newest first across pages, a cursor that never
// repeats or skips, and an entry written twice (a retried page write) listed once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { encodeBlob } from '../blob-docs';
import { directoryId, type DirectoryPage, type IndexEntry } from './plan-trace-index';
import { readTraceIndex } from './read-trace-index';

const DAY = '20310301';
const T0 = Date.UTC(2031, 2, 1, 10);
const entry = (s: number, id: string): IndexEntry => [T0 + s * 1000, id, 'chat', 'alice', 'openai', 200];

/** A day's index held in memory: the directory and its pages, as the writer stores them. */
function fakeIndex(pages: Record<string, IndexEntry[]>): (day: string) => mongo.Collection<BlobDoc> {
  const docs = new Map<string, BlobDoc>();
  const directory: DirectoryPage[] = Object.entries(pages).map(([id, entries]) => ({
    id,
    min: Math.min(...entries.map((e) => e[0])),
    max: Math.max(...entries.map((e) => e[0])),
    n: entries.length,
  }));
  docs.set(directoryId('*'), { _id: directoryId('*'), b: encodeBlob(directory) } as BlobDoc);
  for (const [id, entries] of Object.entries(pages)) docs.set(id, { _id: id, b: encodeBlob(entries) } as BlobDoc);
  const coll = { findOne: async (q: { _id: string }) => docs.get(q._id) ?? null };
  return () => coll as unknown as mongo.Collection<BlobDoc>;
}

describe('readTraceIndex', () => {
  // Two replicas' pages overlap in time; "c" was written twice (once in each page).
  const index = fakeIndex({
    'p|a': [entry(1, 'a'), entry(3, 'c'), entry(5, 'e')],
    'p|b': [entry(2, 'b'), entry(3, 'c'), entry(4, 'd'), entry(6, 'f')],
  });
  const read = (want: number, after?: IndexEntry) =>
    readTraceIndex(index, [DAY], {
      filter: {},
      from: Date.UTC(2031, 2, 1),
      to: Date.UTC(2031, 2, 2),
      want,
      ...(after ? { after: { time: after[0], id: after[1] } } : {}),
    });

  it('lists newest first across pages, each trace once', async () => {
    assert.deepEqual(
      (await read(10)).map((e) => e[1]),
      ['f', 'e', 'd', 'c', 'b', 'a'],
    );
  });

  it('pages with a cursor without repeating or skipping an entry', async () => {
    const seen: string[] = [];
    let after: IndexEntry | undefined;
    for (;;) {
      const page = await read(3, after); // one more than the page, as the service asks
      seen.push(...page.slice(0, 2).map((e) => e[1]));
      if (page.length <= 2) break;
      after = page[1];
    }
    assert.deepEqual(seen, ['f', 'e', 'd', 'c', 'b', 'a']);
  });
});
