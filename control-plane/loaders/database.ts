import mongoose from 'mongoose';
import { createModels, type Models } from '../models';

export interface Database {
  models: Models;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a dedicated connection (not mongoose's global one, so several
 * control planes can run in one process) and creates every index up front:
 * autoIndex is off because index builds must not race with first requests.
 */
export async function connectDatabase(uri: string): Promise<Database> {
  const conn = mongoose.createConnection(uri, { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
  await conn.asPromise();
  const models = createModels(conn);
  for (const model of Object.values(models)) if ('createIndexes' in model) await model.createIndexes();
  return {
    models,
    async ping() {
      await conn.db!.command({ ping: 1 });
    },
    async close() {
      await conn.close();
    },
  };
}
