// Serializes async work per key inside one process. The budget ledger runs
// every write to one window under its key: MongoDB applies each conditional
// update atomically anyway, but FerretDB 1.x on SQLite does not (its update
// and findAndModify read and write in separate steps, FerretDB/FerretDB#3040;
// 50 concurrent $inc of 1 were measured to add 3). With one control-plane
// replica this makes the ledger exact on FerretDB too.
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
