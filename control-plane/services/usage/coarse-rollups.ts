// Hour, six-hour and day rollups of the user and run families (and the user
// pairs), built from their parts once the period has gone quiet instead of
// rewritten by every flush: an hour from its 10-minute documents, six hours
// from their hours, a day from its six-hour documents.
//
// Those documents hold a row per user (or run) and combination of the other
// dimensions. At a million requests a day each flush rewrote 16 six-hour and
// day documents of ~330 KB for a handful of new rows, a cost that grew with
// the traffic already stored; and it rewrote every shard of the hours it
// touched (64 of users alone) two or three times per hour of traffic, which
// with the planning of their rows was a sixth of ingest's CPU
// (bench/RESULTS.md §36). Rule kept by the flusher and the builder alike:
// such a document, when it exists, is the sum of its parts (the flusher
// merges into it only when it exists; the builder creates it from the parts,
// with no flush in between). Reads use it when it exists, its parts
// otherwise, and so does a build: a day costs four reads once its six-hour
// documents exist, not 24.
//
// Only with a single writer (FerretDB: see blob-docs.ts); with several
// replicas (MongoDB) a build could miss a flush of another replica that runs
// meanwhile, so there the flusher writes every granularity as it goes.
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { decodeBlob, encodeBlob } from '../blob-docs';
import { mergeBody, rowsOf, type RowsBody } from './rollup-body';
import {
  bucketIds,
  GRANULARITIES,
  isBuiltFromParts,
  parseRollupId,
  rollupId,
  rollupPartition,
  rowKey,
  shardCount,
  shardOf,
  type Granularity,
  type LiveRow,
  type RollupLayout,
} from './rollup-layout';
import { mergeEncodedCell, newCell, type EncodedCell } from './usage-cell';

/** The granularity a built document is the sum of. */
const PART: Partial<Record<Granularity['name'], Granularity>> = { h: GRANULARITIES[1], q: GRANULARITIES[2], d: GRANULARITIES[3] };

/** The period a built document covers: [start, end). */
export function periodOf(id: string): { start: number; end: number } {
  const { g, start } = parseRollupId(id);
  return { start, end: start + GRANULARITIES.find((x) => x.name === g)!.ms };
}

/**
 * One document a built one is (in part) the sum of. An hour of users is
 * split into more shards (64) than its 10-minute documents (8): shard k of the
 * hour takes from part k mod 8 only the rows of its own users (`shard`).
 */
export interface Part {
  id: string;
  shard?: { of: number; is: number };
}

/** The documents whose sum a built one is (same family; the shard that holds its rows). */
export function partsOf(id: string, layout: RollupLayout): Part[] {
  const { family, g, start, shard } = parseRollupId(id);
  const { end } = periodOf(id);
  const part = PART[g]!;
  const count = shardCount(family, g, start, layout);
  const partCount = shardCount(family, part.name, start, layout);
  // Shards are FNV-1a mod the count, and counts divide one another: shard k's values are all in part shard k mod partCount.
  const partShard = shard === undefined || partCount === undefined ? undefined : shard % partCount;
  const filter = shard !== undefined && count !== partCount ? { of: count!, is: shard } : undefined;
  const parts: Part[] = [];
  for (let t = start; t < end; t += part.ms) parts.push({ id: rollupId(family, part.name, t, partShard), ...(filter ? { shard: filter } : {}) });
  return parts;
}

/** The rows of a part that belong to the built document it was read for. */
export function keepOf(part: Part): ((first: string | null) => boolean) | undefined {
  const { shard } = part;
  return shard ? (first) => shardOf(first ?? '', shard.of) === shard.is : undefined;
}

/**
 * The documents built from the same parts as `id` (its own shard among
 * them): every shard of an hour of users that takes its rows from the same
 * 10-minute documents, so those are read once for all of them.
 */
export function buildMates(id: string, layout: RollupLayout): string[] {
  const parts = partsOf(id, layout);
  if (!parts[0]?.shard) return [id];
  const { family, g, start } = parseRollupId(id);
  return bucketIds(family, g, start, layout).filter((mate) => partsOf(mate, layout)[0]!.id === parts[0]!.id);
}

type Collections = (partition: string) => mongo.Collection<BlobDoc>;

/** A document being built: its rows, and the last journal of each replica that its parts hold. */
interface BuildTarget {
  id: string;
  rows: Map<string, LiveRow>;
  s: Record<string, number>;
}

/**
 * Creates each of the documents (build mates: buildMates) from their parts
 * unless it exists (idempotent; 'empty': the period had no traffic, or the
 * parts no rows for it, written as an empty document): a day from its four six-hour documents (the
 * hours of any not built yet, and so on down), a six-hour one from its
 * hours, an hour from its 10-minute documents. The caller guarantees that no
 * journal is partly applied to the parts: the journals they record are then
 * wholly in the new documents.
 */
export async function buildFromParts(collections: Collections, ids: string[], layout: RollupLayout): Promise<Array<'exists' | 'built' | 'empty'>> {
  const coll = collections(rollupPartition(ids[0]!));
  const { family, g, start } = parseRollupId(ids[0]!);
  // A period without traffic has no S document (every trace adds to it), and its parts no rows: nothing to read or
  // write (most of the two days a starting control plane checks). A period with traffic gets its documents even
  // when empty: reads of every shard would otherwise look for their parts each time.
  if (!(await coll.findOne({ _id: rollupId('S', g, start) }, { projection: { _id: 1 } }))) return ids.map(() => 'empty');
  const exists = await Promise.all(ids.map((id) => coll.findOne({ _id: id }, { projection: { _id: 1 } })));
  const todo = ids.filter((_, i) => !exists[i]);
  const results = new Map<string, 'exists' | 'built' | 'empty'>(ids.map((id) => [id, 'exists']));
  if (todo.length === 0) return ids.map((id) => results.get(id)!);
  const targets = todo.map((id): BuildTarget => ({ id, rows: new Map<string, LiveRow>(), s: {} }));
  // Every mate reads the same documents: read once, each row to the mate whose shard holds it.
  let parts = todo.map((id) => partsOf(id, layout));
  while (parts[0]!.length > 0) {
    const docs = await Promise.all(parts[0]!.map((part) => collections(rollupPartition(part.id)).findOne({ _id: part.id })));
    const missing: Part[][] = targets.map(() => []);
    docs.forEach((doc, i) => {
      targets.forEach((target, m) => {
        const part = parts[m]![i]!;
        if (!doc) {
          if (isBuiltFromParts(part.id)) missing[m]!.push(...partsOf(part.id, layout));
          return;
        }
        for (const [replica, n] of Object.entries(doc.s)) target.s[replica] = Math.max(target.s[replica] ?? 0, n);
        for (const row of rowsOf(decodeBlob<RowsBody>(doc), undefined, keepOf(part))) {
          const values = row.slice(0, -1) as Array<string | null>;
          const key = rowKey(values);
          let live = target.rows.get(key);
          if (!live) target.rows.set(key, (live = { values, cell: newCell() }));
          mergeEncodedCell(live.cell, row[row.length - 1] as EncodedCell);
        }
      });
    });
    parts = missing;
  }
  for (const { id, rows, s } of targets) {
    await coll.insertOne({ _id: id, v: 1, s, b: encodeBlob(mergeBody(family, undefined, rows)) });
    results.set(id, rows.size === 0 ? 'empty' : 'built');
  }
  return ids.map((id) => results.get(id)!);
}
