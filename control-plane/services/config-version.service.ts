// The global configuration version: one counter document bumped atomically
// ($inc) after every change to endpoints, secret values or budgets. Waiting
// data planes are woken by an in-process event when this replica wrote, and
// by a short poll of the counter when another replica did.
import { EventEmitter } from 'node:events';
import type { Models } from '../models';
import { KeyedMutex } from './keyed-mutex';
import { isDuplicateKeyError } from './mongo-errors';

const COUNTER_ID = 'global';

export class ConfigVersionService {
  private readonly events = new EventEmitter();
  private known = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /**
   * Bumps one at a time in this process. FerretDB applies an `$inc` as a read and a separate write
   * (keyed-mutex.ts): two racing changes could both get the same version, and a data plane that read
   * the snapshot between them would never see the second one.
   */
  private readonly bumps = new KeyedMutex();

  constructor(
    private readonly models: Models,
    private readonly pollMs: number,
  ) {
    this.events.setMaxListeners(0);
  }

  async current(): Promise<number> {
    const doc = await this.models.configVersion.findById(COUNTER_ID).lean();
    const version = doc?.version ?? 0;
    this.observe(version);
    return version;
  }

  async bump(): Promise<number> {
    const inc = () => this.models.configVersion.findOneAndUpdate({ _id: COUNTER_ID }, { $inc: { version: 1 } }, { upsert: true, new: true }).lean();
    // Two first-ever upserts can race on the unique _id; the loser retries as a plain $inc.
    const doc = await this.bumps.run(COUNTER_ID, () =>
      inc().catch((err: unknown) => {
        if (isDuplicateKeyError(err)) return inc();
        throw err;
      }),
    );
    this.observe(doc.version);
    return doc.version;
  }

  /** Polls the counter only while someone is waiting, so idle replicas cost nothing. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.events.listenerCount('change') > 0) this.current().catch(() => undefined);
    }, this.pollMs);
    this.timer.unref();
  }

  /** Releases every waiter now, and makes later waits return at once (shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.events.emit('stop');
  }

  /** Resolves true once the version exceeds `after`, false on timeout, abort or stop. */
  waitForChange(after: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.known > after) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        this.events.off('change', onChange);
        this.events.off('stop', onStop);
        signal?.removeEventListener('abort', onStop);
        resolve(changed);
      };
      const onChange = (v: number) => v > after && finish(true);
      const onStop = () => finish(false);
      const timer = setTimeout(onStop, timeoutMs);
      this.events.on('change', onChange);
      this.events.on('stop', onStop);
      signal?.addEventListener('abort', onStop);
    });
  }

  private observe(version: number): void {
    if (version > this.known) {
      this.known = version;
      this.events.emit('change', version);
    }
  }
}
