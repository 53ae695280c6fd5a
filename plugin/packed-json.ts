// A value needed again only late or rarely (the end of a stream that runs
// for minutes), traded for its JSON deflated when that is long: a parsed
// agent's turn is tens of KiB of heap, its JSON compressed a few KiB. Short
// values stay as they are: compressing costs more than keeping them.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Below this much JSON a value costs less kept as it is than compressing it costs (measured: ~0.2 ms for 22 KiB). */
const PACK_FROM_CHARS = 2048;

export class PackedJson<T> {
  private kept: T | undefined;
  private packed: Buffer | undefined;

  constructor(value: T) {
    this.kept = value;
  }

  /** Keeps only the JSON, deflated, when it is long; `json` when the caller has it already. */
  pack(json = JSON.stringify(this.kept)): void {
    if (this.packed || json.length < PACK_FROM_CHARS) return;
    // A copy of its own size: zlib's result is a view of a 16 KiB chunk, which it would keep alive.
    this.packed = Buffer.from(deflateRawSync(json, { level: 1 }));
    this.kept = undefined;
  }

  /** Bytes of deflated JSON held; 0 while the value is kept as it is. */
  get packedBytes(): number {
    return this.packed?.length ?? 0;
  }

  /** The value (packed: a copy read back from its JSON). */
  read(): T {
    return this.packed ? (JSON.parse(inflateRawSync(this.packed).toString('utf8')) as T) : this.kept!;
  }
}
