// Each test file gets its own database on the server the test runner started
// (scripts/run-tests.js sets MONGODB_URI), so files never see each other's data.
import crypto from 'node:crypto';
import mongoose from 'mongoose';

export interface TestDb {
  uri: string;
  name: string;
  /** Raw driver access, e.g. to inspect what is really stored. */
  db: mongoose.mongo.Db;
  close(): Promise<void>;
}

export function testDbUri(prefix = 't'): { uri: string; name: string } {
  const base = process.env.MONGODB_URI;
  if (!base) throw new Error('MONGODB_URI is not set: run tests through `npm test` / scripts/run-tests.js');
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { uri: url.toString(), name };
}

/** A fresh database; close() drops it. */
export async function connectTestDb(prefix?: string): Promise<TestDb> {
  const { uri, name } = testDbUri(prefix);
  const client = await mongoose.mongo.MongoClient.connect(uri);
  const db = client.db(name);
  return {
    uri,
    name,
    db,
    async close() {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

/**
 * Every collection of a test database, day partitions (traces_YYYYMMDD...)
 * included wherever they are: collections of it, or (on FerretDB) databases
 * of their own named after it.
 */
export async function collectionNames(db: TestDb): Promise<string[]> {
  const names = (await db.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const { databases } = await db.db.admin().listDatabases({ nameOnly: true });
  for (const d of databases) if (d.name.startsWith(`${db.name}_`)) names.push(d.name.slice(db.name.length + 1));
  return names;
}

/** A day partition's collection, wherever it is (see collectionNames). */
export async function partition(db: TestDb, name: string): Promise<mongoose.mongo.Collection> {
  const own = db.db.client.db(`${db.name}_${name}`);
  return (await own.listCollections({ name }).toArray()).length > 0 ? own.collection(name) : db.db.collection(name);
}
