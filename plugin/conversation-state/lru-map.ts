// A Map that forgets its least recently used entries beyond a count and a
// total size, for the data plane's local copy of conversation state.
export class LruMap<V> {
  private readonly entries = new Map<string, { value: V; size: number; until: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.until <= this.now()) {
      this.bytes -= e.size;
      return undefined;
    }
    this.entries.set(key, e); // most recent last
    return e.value;
  }

  set(key: string, value: V, size: number, ttlMs: number): void {
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size, until: this.now() + ttlMs });
    this.bytes += size;
    for (const [k] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(k);
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }

  get size(): number {
    return this.entries.size;
  }
}
