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
