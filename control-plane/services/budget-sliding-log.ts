// Sliding logs on one document, without transactions: the loop breaker's
// "at most `limit` admissions in any `slidingMs`", exact across data planes.
//
// The document holds the times of the admissions still inside the window
// (`log`, oldest first, at most `limit` of them) and a version counter `n`.
// An admission at time t reads the log, drops the entries older than
// t - slidingMs, and is allowed only if fewer than `limit` remain; it then
// writes the new log with ONE update that applies only if `n` is still what
// it read (compare-and-set) and increments `n`. Two admissions can never both
// write on the same version, so every decision was taken on the log as it
// really was: exact, whatever the number of control-plane replicas on
// MongoDB. On FerretDB (whose conditional updates are not atomic between
// clients) the caller holds the window's in-process lock, as for every ledger
// write; it holds it on MongoDB too, so only other replicas ever race.
//
// Undoing an admission (another window refused its request) removes its entry
// the same way, so the log never counts a request that was not admitted.
// (A ring of slots, or MongoDB's $push with $slice, would write less; but
// FerretDB 1.24 ignores $slice, and a ring cannot take an entry back without
// leaving a hole that refuses too early: measured, 7 of 16 admitted.)
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import type { BudgetWindowDoc, SlidingSlot } from '../models/budget-window.model';
import { isDuplicateKeyError } from './mongo-errors';

export type WindowKey = { policyId: string; subject: string; windowStart: Date };

/** A log as last read or written by this process: saves the read when nobody else wrote since. */
export interface LogState {
  n: number;
  log: SlidingSlot[];
}

export type SlidingAdmission = (
  { admitted: true; entryId: string } | { admitted: false; /** When enough counted admissions will have left the window for one more. */ retryAt: Date }
) & { state: LogState };

/** Compare-and-set rounds lost to other replicas before giving up (each loss means someone else wrote). */
const MAX_ROUNDS = 64;

export async function admitSliding(
  windows: Model<BudgetWindowDoc>,
  key: WindowKey,
  limit: number,
  slidingMs: number,
  now: Date,
  cached?: LogState,
): Promise<SlidingAdmission> {
  const t = now.getTime();
  let state = cached;
  if (!state) {
    // Unknown here: most often a new log (the repeat rule writes one per distinct request). Create it
    // with this admission in one upsert; if it existed, read it and go on as usual.
    const entry: SlidingSlot = { t, id: randomUUID() };
    if (await create(windows, key, entry, t + slidingMs, now)) return { admitted: true, entryId: entry.id, state: { n: 1, log: [entry] } };
  }
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fresh = state === undefined;
    state ??= await read(windows, key, now);
    const live = state.log.filter((e) => e.t > t - slidingMs);
    if (live.length >= limit) {
      // Refuse only on what the database says now (a cached log may be stale).
      if (!fresh) {
        state = undefined;
        continue;
      }
      return { admitted: false, retryAt: new Date(live[live.length - limit]!.t + slidingMs), state };
    }
    const entry: SlidingSlot = { t, id: randomUUID() };
    const next = { n: state.n + 1, log: [...live, entry] };
    if (await write(windows, key, state.n, next, t + slidingMs, now)) return { admitted: true, entryId: entry.id, state: next };
    state = undefined; // someone else wrote: read again
  }
  throw new Error(`sliding log ${key.policyId}: lost ${MAX_ROUNDS} compare-and-set rounds in a row`);
}

/** Takes an admission back; returns the log as left. */
export async function undoSliding(windows: Model<BudgetWindowDoc>, key: WindowKey, entryId: string, now: Date, cached?: LogState): Promise<LogState> {
  let state = cached;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fresh = state === undefined;
    state ??= await read(windows, key, now);
    if (!state.log.some((e) => e.id === entryId)) {
      if (fresh) return state;
      state = undefined; // not in the cached copy: make sure
      continue;
    }
    const next = { n: state.n + 1, log: state.log.filter((e) => e.id !== entryId) };
    if (await write(windows, key, state.n, next, undefined, now)) return next;
    state = undefined;
  }
  throw new Error(`sliding log ${key.policyId}: lost ${MAX_ROUNDS} compare-and-set rounds in a row`);
}

/** Inserts the log holding `first`, unless it exists: true if inserted. */
async function create(windows: Model<BudgetWindowDoc>, key: WindowKey, first: SlidingSlot, windowEnd: number, now: Date): Promise<boolean> {
  try {
    const res = await windows.updateOne(
      key,
      {
        $setOnInsert: {
          n: 1,
          log: [first],
          shape: 'sliding',
          windowEnd: new Date(windowEnd),
          updatedAt: now,
          spentUsd: 0,
          spentTokens: 0,
          reservedUsd: 0,
          reservedTokens: 0,
        },
      },
      { upsert: true },
    );
    return res.upsertedCount === 1;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

async function read(windows: Model<BudgetWindowDoc>, key: WindowKey, now: Date): Promise<LogState> {
  const doc = await windows.findOne(key, { n: 1, log: 1 }).lean<Pick<BudgetWindowDoc, 'n' | 'log'>>();
  if (doc) return { n: doc.n ?? 0, log: doc.log ?? [] };
  try {
    await windows.updateOne(
      key,
      { $setOnInsert: { n: 0, log: [], shape: 'sliding', windowEnd: now, updatedAt: now, spentUsd: 0, spentTokens: 0, reservedUsd: 0, reservedTokens: 0 } },
      { upsert: true },
    );
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  return read(windows, key, now);
}

/**
 * The compare-and-set. `windowEnd`: when the newest entry leaves the window
 * (after it nothing is counted and the log may be pruned); an undo keeps the
 * end it had, unless it emptied the log.
 */
async function write(windows: Model<BudgetWindowDoc>, key: WindowKey, n: number, next: LogState, windowEnd: number | undefined, now: Date): Promise<boolean> {
  const set: Record<string, unknown> = { log: next.log, updatedAt: now };
  if (windowEnd !== undefined) set.windowEnd = new Date(windowEnd);
  else if (next.log.length === 0) set.windowEnd = now;
  const res = await windows.updateOne({ ...key, n }, { $set: set, $inc: { n: 1 } });
  return res.modifiedCount === 1;
}
