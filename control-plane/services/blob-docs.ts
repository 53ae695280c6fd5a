// Read-modify-write of the flusher's documents ({_id, v, s, b}; see
// models/usage-rollup.model.ts), exactly once per ingest journal.
//
// `s[replica]` is the last journal sequence number applied to the document
// by that replica. A replica applies its journals to a document in order, a
// group of consecutive journals in one write, so a journal is in a document
// exactly when its number is at most s[replica]; a retried or recovered
// write skips documents that already have it.
//
// Concurrency: on MongoDB the write is a compare-and-set on `v`, so several
// control-plane replicas can write the same document. FerretDB 1.x answers
// only `{_id}` filters from an index (any other filter scans the collection)
// and loses concurrent updates (FerretDB#3040), so there the caller must be
// the only writer (one flusher per process, one replica), and the write is
// by `_id` alone.
import { decode, Encoder } from '@msgpack/msgpack';
import { mongo } from 'mongoose';
import type { BlobDoc } from '../models/usage-rollup.model';
import { isDuplicateKeyError } from './mongo-errors';

export interface JournalRange {
  replica: string;
  /** First and last journal sequence number of the group being applied. */
  first: number;
  last: number;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is what the caller stored in the blob
export const decodeBlob = <T>(doc: { b: mongo.Binary } | null | undefined): T | undefined => (doc ? (decode(doc.b.buffer) as T) : undefined);
const encoder = new Encoder({ ignoreUndefined: true });
export const encodeBlob = (body: unknown) => new mongo.Binary(encoder.encode(body));

export interface BlobRead<T> {
  doc: BlobDoc | null;
  body: T | undefined;
  /** Last journal of `replica` in the document (0: none). */
  applied: number;
}

export class BlobDocs {
  constructor(private readonly compareAndSet: () => boolean) {}

  async read<T>(coll: mongo.Collection<BlobDoc>, id: string, replica: string): Promise<BlobRead<T>> {
    const doc = await coll.findOne({ _id: id });
    return { doc, body: decodeBlob<T>(doc), applied: doc?.s[replica] ?? 0 };
  }

  /** Writes a new body over what `read` returned, recording the journal range; false when someone else wrote it in between. */
  write(coll: mongo.Collection<BlobDoc>, id: string, prev: BlobDoc | null, body: unknown, range?: JournalRange): Promise<boolean> {
    return this.writeBytes(coll, id, prev, encoder.encode(body), range);
  }

  /** `write` of a body already encoded (msgpack). */
  async writeBytes(coll: mongo.Collection<BlobDoc>, id: string, prev: BlobDoc | null, bytes: Uint8Array, range?: JournalRange): Promise<boolean> {
    const s = range ? { ...prev?.s, [range.replica]: range.last } : (prev?.s ?? {});
    if (!prev) {
      try {
        await coll.insertOne({ _id: id, v: 1, s, b: new mongo.Binary(bytes) });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    }
    const filter = this.compareAndSet() ? { _id: id, v: prev.v } : { _id: id };
    const res = await coll.replaceOne(filter, { v: prev.v + 1, s, b: new mongo.Binary(bytes) });
    return res.matchedCount === 1;
  }

  /**
   * Applies `change` to the document's encoded body (undefined when it does
   * not exist yet) unless the journal range is in it already. `change` must
   * be pure: it runs again on a compare-and-set conflict.
   */
  async apply(
    coll: mongo.Collection<BlobDoc>,
    id: string,
    range: JournalRange,
    change: (stored: Uint8Array | undefined) => Promise<Uint8Array>,
  ): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const doc = await coll.findOne({ _id: id });
      const applied = doc?.s[range.replica] ?? 0;
      if (applied >= range.last) return;
      if (applied >= range.first) throw new Error(`${id}: journals ${range.replica}:${range.first}..${range.last} are partly applied (up to ${applied})`);
      if (await this.writeBytes(coll, id, doc, await change(doc?.b.buffer), range)) return;
    }
    throw new Error(`${id}: gave up after 50 write conflicts`);
  }
}
