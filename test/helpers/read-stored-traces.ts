// Reads every stored trace straight from the database, for tests that check
// what was stored behind the API's back (crashes, chaos). Traces live in one
// collection per UTC day with most fields in one binary value
// (control-plane/models/trace-store.model.ts), so they are decoded here.
import type { mongo } from 'mongoose';
import type { Trace } from '../../plugin/contract';
import type { StoredTrace } from '../../control-plane/models/trace-store.model';
import { decodeStoredTrace } from '../../control-plane/services/trace-codec';

const DAY_COLLECTION = /^traces_\d{8}$/;

export async function readStoredTraces(db: mongo.Db): Promise<Trace[]> {
  const out: Trace[] = [];
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (!DAY_COLLECTION.test(c.name)) continue;
    for (const doc of await db.collection<StoredTrace>(c.name).find({}).toArray()) out.push(decodeStoredTrace(doc));
  }
  return out;
}
