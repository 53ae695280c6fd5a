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
    this.packed = ownCopy(deflateRawSync(json, { level: 1 }));
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

/**
 * A copy in memory of its own. zlib's result is a view of its output chunk
 * (16 KiB, 64 KiB from Node 24), and `Buffer.from` copies a short one into
 * Node's shared slab (8 KiB, 64 KiB from Node 24), where zlib has just put its
 * input too: either would keep kilobytes of garbage alive for every value held.
 */
function ownCopy(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}
