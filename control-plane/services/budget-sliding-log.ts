// Sliding logs on one document, without transactions: the loop breaker's
// "at most `limit` admissions in any `slidingMs`", exact across data planes.
//
// The document keeps a ring of `limit` slots and a counter `n` of admissions.
// Slot n mod limit holds the time of the admission `limit` places before the
// next one, the oldest the ring remembers. A new admission at time t is
// allowed only if that slot is empty or at most t - slidingMs: then at most
// limit - 1 admissions fall in (t - slidingMs, t], and with this one, limit.
// The check and the write are ONE conditional update that also requires `n`
// to be what was read (compare-and-set), so two admissions never take the
// same slot: whatever the number of control-plane replicas on MongoDB. On
// FerretDB (no atomic conditional updates) the caller holds the window's
// in-process lock, as for every other ledger write; it holds it on MongoDB
// too, so that only other replicas ever race the compare-and-set.
//
// Undoing an admission (its request was refused by another window) puts the
// slot's previous time back, if the slot still holds this admission: an old
// time counts for nothing inside the window, so the log never over-counts and
// never forgets a real admission. (MongoDB's $push with $slice would keep the
// log in one update, but FerretDB 1.24 ignores $slice: measured.)
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import type { BudgetWindowDoc, SlidingSlot } from '../models/budget-window.model';
import { isDuplicateKeyError } from './mongo-errors';

export type WindowKey = { policyId: string; subject: string; windowStart: Date };

export type SlidingAdmission =
  | { admitted: true; entryId: string; undo: () => Promise<void> }
  | { admitted: false; /** When the oldest counted admission leaves the window. */ retryAt: Date };

/** Compare-and-set rounds lost to other replicas before giving up (each loss means someone else was admitted). */
const MAX_ROUNDS = 64;

export async function admitSliding(windows: Model<BudgetWindowDoc>, key: WindowKey, limit: number, slidingMs: number, now: Date): Promise<SlidingAdmission> {
  const t = now.getTime();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const doc = await windows.findOne(key, { n: 1, size: 1 }).lean<Pick<BudgetWindowDoc, 'n' | 'size'>>();
    if (!doc || doc.size !== limit) {
      await reset(windows, key, limit, doc ? (doc.size ?? null) : undefined, now);
      continue;
    }
    const n = doc.n ?? 0;
    const slot = `s${n % limit}`;
    const path = `slots.${slot}`;
    const entry: SlidingSlot = { t, id: randomUUID() };
    const before = await windows
      .findOneAndUpdate(
        { ...key, n, size: limit, $or: [{ [path]: { $exists: false } }, { [`${path}.t`]: { $lte: t - slidingMs } }] },
        { $set: { [path]: entry, updatedAt: now }, $inc: { n: 1 }, $max: { windowEnd: new Date(t + slidingMs) } },
      )
      .lean<BudgetWindowDoc>();
    if (before) {
      const previous = before.slots?.[slot];
      return { admitted: true, entryId: entry.id, undo: () => undo(windows, key, path, entry.id, previous) };
    }
    const now2 = await windows.findOne(key, { n: 1, size: 1, [path]: 1 }).lean<BudgetWindowDoc>();
    if (now2 && now2.n === n && now2.size === limit) {
      const oldest = now2.slots?.[slot]?.t ?? t;
      return { admitted: false, retryAt: new Date(oldest + slidingMs) };
    }
    // Another replica admitted (or reset) in between: read again.
  }
  throw new Error(`sliding log ${key.policyId}: lost ${MAX_ROUNDS} compare-and-set rounds in a row`);
}

/**
 * Creates the log, or starts it over when the policy's limit changed (the
 * ring's slots are laid out for one limit): history is forgotten then.
 */
async function reset(windows: Model<BudgetWindowDoc>, key: WindowKey, limit: number, oldSize: number | null | undefined, now: Date): Promise<void> {
  const fresh = { n: 0, size: limit, slots: {}, shape: 'sliding' as const, updatedAt: now };
  if (oldSize === undefined) {
    try {
      await windows.updateOne(
        key,
        { $setOnInsert: { ...fresh, windowEnd: now, spentUsd: 0, spentTokens: 0, reservedUsd: 0, reservedTokens: 0 } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    return;
  }
  await windows.updateOne({ ...key, size: oldSize ?? { $exists: false } }, { $set: fresh });
}

async function undo(windows: Model<BudgetWindowDoc>, key: WindowKey, path: string, entryId: string, previous: SlidingSlot | undefined): Promise<void> {
  await windows.updateOne({ ...key, [`${path}.id`]: entryId }, previous ? { $set: { [path]: previous } } : { $unset: { [path]: '' } });
}
