import mongoose from 'mongoose';
import { createModels, type Models } from '../models';

export interface Database {
  models: Models;
  ping(): Promise<void>;
  /** False while the database is known to be unreachable: requests needing it are answered 503 at once. */
  isUp(): boolean;
  close(): Promise<void>;
}

const PING_EVERY_MS = 1_000;
/** /readyz waits this long for a ping. */
const PING_TIMEOUT_MS = 1_500;
/** A ping unanswered this long means a hung database (a slow answer under load does not). */
const HUNG_AFTER_MS = 3_000;

/**
 * Opens a dedicated connection (not mongoose's global one, so several
 * control planes can run in one process) and creates every index up front:
 * autoIndex is off because index builds must not race with first requests.
 *
 * A database that goes away must not make requests hang: the driver notices
 * a dead server within seconds (short heartbeat and connect timeouts), a ping
 * every second notices one that hangs (no answer within 3 s: a stopped process), and while either
 * says it is down, requests are answered 503 `database_unavailable` at once.
 */
export async function connectDatabase(uri: string): Promise<Database> {
  const conn = mongoose.createConnection(uri, {
    autoIndex: false,
    serverSelectionTimeoutMS: 10_000,
    heartbeatFrequencyMS: 2_000,
    connectTimeoutMS: 3_000,
    // No query here takes long; a socket silent this long belongs to a hung server.
    socketTimeoutMS: 20_000,
    // Command events tell a busy database (other commands complete) from a hung one (nothing completes).
    monitorCommands: true,
  });
  await conn.asPromise();
  let lastAnswerAt = Date.now();
  const answered = () => (lastAnswerAt = Date.now());
  conn.getClient().on('commandSucceeded', answered).on('commandFailed', answered);
  const models = createModels(conn);
  for (const model of Object.values(models)) if ('createIndexes' in model) await model.createIndexes();
  await models.traceStore.init();
  const ping = () => withTimeout(conn.db!.command({ ping: 1 }), PING_TIMEOUT_MS).then(() => undefined);
  let answering = true;
  let closed = false;
  // One ping at a time: a hung server must not collect a pile of them.
  let inFlight: Promise<unknown> | undefined;
  const watch = async () => {
    while (!closed) {
      if (conn.readyState !== mongoose.ConnectionStates.connected) answering = false;
      else if (!inFlight) {
        inFlight = conn
          .db!.command({ ping: 1 })
          .then(
            () => (answering = true),
            () => (answering = false),
          )
          .finally(() => (inFlight = undefined));
      }
      let settled = await Promise.race([inFlight?.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), HUNG_AFTER_MS).unref())]);
      // A busy event loop runs the timer before the I/O callback of a reply that already came: let pending I/O run first.
      if (inFlight && !settled) settled = await Promise.race([inFlight.then(() => true), new Promise<false>((r) => setImmediate(() => r(false)))]);
      // The ping waits behind a busy pool under heavy load: only a database that answers nothing at all is hung.
      if (inFlight && !settled && Date.now() - lastAnswerAt >= HUNG_AFTER_MS) answering = false;
      await new Promise((r) => setTimeout(r, PING_EVERY_MS).unref());
    }
  };
  void watch();
  return {
    models,
    ping,
    isUp: () => answering && conn.readyState === mongoose.ConnectionStates.connected,
    async close() {
      closed = true;
      await conn.close();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the driver's own rejection, passed on unchanged
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}
