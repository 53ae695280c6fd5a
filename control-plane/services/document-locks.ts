// Writes to one document one at a time, across processes. The control plane
// and `npm run rotate-kek` (a process of its own) both rewrite secrets and
// exporters. FerretDB on SQLite reads a document, applies an update and
// writes the whole document back in separate steps (FerretDB/FerretDB#3040),
// so a conditional update is no compare-and-set there, and a re-wrap racing a
// value rotation was measured to put the old value back
// (test/control-plane/rotate-kek-race.test.ts). An insert of a taken _id
// fails on both databases (SQLite's primary key), so the lock is a document
// that exists while held. Writers of this process queue in memory first
// (keyed-mutex.ts), so they do not poll each other through the database.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Model } from 'mongoose';
import { ApiError } from '../errors';
import type { WriteLockDoc } from '../models/write-lock.model';
import { KeyedMutex } from './keyed-mutex';
import { isDuplicateKeyError } from './mongo-errors';

export interface DocumentLockOptions {
  /** A lock older than this is taken over (its holder died, or stalled that long on the database). */
  ttlMs: number;
  /** How long a writer waits for a lock before it gives up (503 busy). */
  waitMs: number;
}

const DEFAULTS: DocumentLockOptions = { ttlMs: 15_000, waitMs: 20_000 };

export class DocumentLocks {
  private readonly local = new KeyedMutex();
  private readonly options: DocumentLockOptions;

  constructor(
    private readonly locks: Model<WriteLockDoc>,
    options: Partial<DocumentLockOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Runs `work` while this process holds `key`'s lock; keys name a document, e.g. `secret:<id>`. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const holder = randomUUID();
      await this.acquire(key, holder);
      try {
        return await work();
      } finally {
        // Only our own: a lock taken over after our ttl belongs to someone else. A release that fails
        // (the database went away) must not turn a done write into an error: the lock expires instead.
        await this.locks.deleteOne({ _id: key, holder }).catch(() => undefined);
      }
    });
  }

  private async acquire(key: string, holder: string): Promise<void> {
    const deadline = Date.now() + this.options.waitMs;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      try {
        await this.locks.create({ _id: key, holder, expiresAt: new Date(Date.now() + this.options.ttlMs) });
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const held = await this.locks.findById(key).lean<WriteLockDoc>();
      if (held && held.expiresAt.getTime() <= Date.now()) {
        await this.locks.deleteOne({ _id: key, holder: held.holder });
        continue;
      }
      if (Date.now() >= deadline) throw new ApiError(503, 'busy', `another process has been changing this document for ${this.options.waitMs} ms; retry`);
      if (held) await sleep(wait * (0.5 + Math.random()));
    }
  }
}
