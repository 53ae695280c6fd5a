// Reads every stored trace straight from the database, for tests that check
// what was stored behind the API's back (crashes, chaos). Traces live in one
// collection per UTC day (on FerretDB in a database of its own, named after
// the main one) with most fields in one binary value
// (control-plane/models/trace-store.model.ts), so they are decoded here.
import type { mongo } from 'mongoose';
import type { Trace } from '../../plugin/contract';
import type { StoredTrace } from '../../control-plane/models/trace-store.model';
import { decodeStoredTrace } from '../../control-plane/services/trace-codec';

const DAY_COLLECTION = /^traces_\d{8}$/;

export async function readStoredTraces(db: mongo.Db): Promise<Trace[]> {
  const out: Trace[] = [];
  const read = async (d: mongo.Db) => {
    for (const c of await d.listCollections({}, { nameOnly: true }).toArray()) {
      if (!DAY_COLLECTION.test(c.name)) continue;
      for (const doc of await d.collection<StoredTrace>(c.name).find({}).toArray()) out.push(decodeStoredTrace(doc));
    }
  };
  await read(db);
  const { databases } = await db.admin().listDatabases({ nameOnly: true });
  for (const d of databases)
    if (DAY_COLLECTION.test(d.name.slice(db.databaseName.length + 1)) && d.name.startsWith(`${db.databaseName}_`)) await read(db.client.db(d.name));
  return out;
}
