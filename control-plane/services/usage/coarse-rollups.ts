// Six-hour and day rollups of the user and run families (and the user
// pairs), built from their hours once the period has gone quiet instead of
// rewritten by every flush.
//
// Those documents hold a row per user (or run) and combination of the other
// dimensions: at a million requests a day, each flush rewrote 16 of them of
// ~330 KB for a handful of new rows, and that cost grew with the traffic
// already stored. Rule kept by the flusher and the builder alike: such a
// document, when it exists, is the sum of its hours (a flush that adds to
// its period, late traffic, deletes it, to be built again once the period
// is quiet; the builder creates it from the hours, with no flush in
// between). Reads use it when it exists, its parts otherwise (a
// day's six-hour documents, a six-hour document's hours), and so does a
// build: a day costs four reads once its six-hour documents exist, not 24.
//
// Only with a single writer (FerretDB: see blob-docs.ts); with several
// replicas (MongoDB) a build could miss a flush of another replica that runs
// meanwhile, so there the flusher writes every granularity as it goes.
import type { mongo } from 'mongoose';
import type { BlobDoc } from '../../models/usage-rollup.model';
import { decodeBlob, encodeBlob } from '../blob-docs';
import { mergeBody, rowsOf, type RowsBody } from './rollup-body';
import { GRANULARITIES, isBuiltFromHours, parseRollupId, rollupId, rowKey, type LiveRow } from './rollup-layout';
import { mergeEncodedCell, newCell, type EncodedCell } from './usage-cell';

const SIX_HOURS = GRANULARITIES[3];

/** The period a built document covers: [start, end). */
export function periodOf(id: string): { start: number; end: number } {
  const { g, start } = parseRollupId(id);
  return { start, end: start + GRANULARITIES.find((x) => x.name === g)!.ms };
}

/**
 * The documents whose sum a built one is (same family and shard): a six-hour
 * document's hours, a day document's six-hour documents (each of which, while
 * missing, is the sum of its own hours).
 */
export function partIdsOf(id: string): string[] {
  const { family, g, shard } = parseRollupId(id);
  const { start, end } = periodOf(id);
  const part = g === 'd' ? SIX_HOURS : GRANULARITIES[2];
  const ids: string[] = [];
  for (let t = start; t < end; t += part.ms) ids.push(rollupId(family, part.name, t, shard));
  return ids;
}

/**
 * Creates the document from its parts unless it exists (idempotent; an empty
 * one when they have no rows but the period had traffic, 'empty'): a day
 * from its four six-hour documents (the hours of any not built yet), a six-hour
 * one from its hours. The caller guarantees that no journal is partly applied
 * to those hours: the journals they record are then wholly in the new document.
 */
export async function buildFromHours(coll: mongo.Collection<BlobDoc>, id: string): Promise<'exists' | 'built' | 'empty'> {
  if (await coll.findOne({ _id: id }, { projection: { _id: 1 } })) return 'exists';
  const rows = new Map<string, LiveRow>();
  const s: Record<string, number> = {};
  let ids = partIdsOf(id);
  while (ids.length > 0) {
    const docs = await Promise.all(ids.map((part) => coll.findOne({ _id: part })));
    const missing: string[] = [];
    docs.forEach((doc, i) => {
      if (!doc) {
        if (isBuiltFromHours(ids[i]!)) missing.push(...partIdsOf(ids[i]!));
        return;
      }
      for (const [replica, n] of Object.entries(doc.s)) s[replica] = Math.max(s[replica] ?? 0, n);
      for (const row of rowsOf(decodeBlob<RowsBody>(doc))) {
        const values = row.slice(0, -1) as Array<string | null>;
        const key = rowKey(values);
        let live = rows.get(key);
        if (!live) rows.set(key, (live = { values, cell: newCell() }));
        mergeEncodedCell(live.cell, row[row.length - 1] as EncodedCell);
      }
    });
    ids = missing;
  }
  const { family, g, start } = parseRollupId(id);
  // An empty one is written when the period had traffic (its S document, every trace adds to, exists): reads of
  // every shard would otherwise look for its parts each time. Not for periods without any (a restart seeds them).
  if (rows.size === 0 && !(await coll.findOne({ _id: rollupId('S', g, start) }, { projection: { _id: 1 } }))) return 'empty';
  await coll.insertOne({ _id: id, v: 1, s, b: encodeBlob(mergeBody(family, undefined, rows)) });
  return rows.size === 0 ? 'empty' : 'built';
}
