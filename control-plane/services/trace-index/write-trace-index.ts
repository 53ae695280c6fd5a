// Adds a journal group's entries to one stream of one day: fills this
// replica's last page, opens new pages for the rest, then records the pages
// in the directory, which is the commit (its journal mark says the group is
// in). Page writes are idempotent (entries are merged by trace id) and
// pages only this replica writes, so a write retried after a failure, or
// redone by recovery, neither loses nor repeats an entry: an entry that
// reached a page the directory never listed is simply written again to one
// it does list.
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import type { BlobDocs, JournalRange } from '../blob-docs';
import { directoryId, isOwnPage, PAGE_CAP, pageId, type DirectoryPage, type IndexEntry } from './plan-trace-index';

async function addToPage(docs: BlobDocs, coll: mongo.Collection<BlobDoc>, id: string, replica: string, entries: IndexEntry[]): Promise<DirectoryPage> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { doc, body } = await docs.read<IndexEntry[]>(coll, id, replica);
    const ids = new Set((body ?? []).map((e) => e[1]));
    const merged = [...(body ?? []), ...entries.filter((e) => !ids.has(e[1]))];
    if (await docs.write(coll, id, doc, merged)) {
      let min = Infinity;
      let max = -Infinity;
      for (const e of merged) {
        if (e[0] < min) min = e[0];
        if (e[0] > max) max = e[0];
      }
      return { id, min, max, n: merged.length };
    }
  }
  throw new Error(`${id}: gave up after 50 write conflicts`);
}

export async function writeTraceIndex(
  docs: BlobDocs,
  coll: mongo.Collection<BlobDoc>,
  stream: string,
  entries: IndexEntry[],
  range: JournalRange,
): Promise<void> {
  const dirId = directoryId(stream);
  for (let attempt = 0; attempt < 50; attempt++) {
    const { doc, body, applied } = await docs.read<DirectoryPage[]>(coll, dirId, range.replica);
    if (applied >= range.last) return;
    if (applied >= range.first) throw new Error(`${dirId}: journals ${range.replica}:${range.first}..${range.last} are partly applied (up to ${applied})`);
    const dir = body ?? [];
    const own = dir.filter((p) => isOwnPage(p.id, range.replica) && p.n < PAGE_CAP).at(-1);
    const writes: Array<{ id: string; add: IndexEntry[] }> = [];
    let rest = entries;
    if (own) {
      writes.push({ id: own.id, add: rest.slice(0, PAGE_CAP - own.n) });
      rest = rest.slice(PAGE_CAP - own.n);
    }
    for (let k = 0; rest.length > 0; k++, rest = rest.slice(PAGE_CAP))
      writes.push({ id: pageId(stream, range.replica, range.last, k), add: rest.slice(0, PAGE_CAP) });
    const pages = await Promise.all(writes.map((w) => addToPage(docs, coll, w.id, range.replica, w.add)));
    const updated = new Map(dir.map((p) => [p.id, p]));
    for (const p of pages) updated.set(p.id, p);
    if (await docs.write(coll, dirId, doc, [...updated.values()], range)) return;
  }
  throw new Error(`${dirId}: gave up after 50 write conflicts`);
}
