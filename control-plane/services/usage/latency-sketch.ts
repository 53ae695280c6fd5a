// Mergeable latency distributions with DDSketch's guarantees (quantiles
// within 1 % of the true value, merges exact). Values are binned by the
// library's logarithmic mapping (@datadog/sketches-js). Stored, the bins are
// sparse: the library's protobuf form writes all of its 128+ bins as doubles,
// while rollups hold thousands of sketches with a handful of bins each. In
// memory they are a plain array from the lowest key on, which merges fast.
// Quantiles follow the library's own definition
// (BaseDDSketch.getValueAtQuantile and DenseStore.keyAtRank with its
// mapping's bin values), on the bins directly: building the library's sketch
// for each of a series' hundreds of figures cost more than reading the
// rollups (a test checks both agree).
import { DDSketch } from '@datadog/sketches-js';

export const RELATIVE_ACCURACY = 0.01;
const MAPPING = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }).mapping;

/** Stored form: non-empty bin keys (first absolute, then deltas), their counts, and values too small for a bin. */
export interface EncodedSketch {
  k: number[];
  c: number[];
  z?: number;
}

export class LatencySketch {
  /** Bin counts from key `offset` on (a plain array: summaries merge thousands of stored sketches, and a Map per bin was most of their time). */
  private counts: number[] = [];
  private offset = 0;
  zero = 0;
  count = 0;

  /** Grows the bins to hold keys lo..hi. */
  private cover(lo: number, hi: number): void {
    if (this.counts.length === 0) {
      this.offset = lo;
      this.counts = new Array<number>(hi - lo + 1).fill(0);
      return;
    }
    if (lo < this.offset) {
      this.counts = [...new Array<number>(this.offset - lo).fill(0), ...this.counts];
      this.offset = lo;
    }
    const end = this.offset + this.counts.length - 1;
    if (hi > end) for (let k = end; k < hi; k++) this.counts.push(0);
  }

  /** Non-empty bins in key order. */
  *bins(): Generator<[key: number, count: number]> {
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) yield [this.offset + i, this.counts[i]!];
  }

  add(value: number): void {
    this.count++;
    if (!(value > MAPPING.minPossible)) {
      this.zero++;
      return;
    }
    const key = MAPPING.key(value);
    this.cover(key, key);
    this.counts[key - this.offset]!++;
  }

  merge(other: LatencySketch): void {
    if (other.counts.length > 0) {
      this.cover(other.offset, other.offset + other.counts.length - 1);
      const shift = other.offset - this.offset;
      for (let i = 0; i < other.counts.length; i++) this.counts[shift + i]! += other.counts[i]!;
    }
    this.zero += other.zero;
    this.count += other.count;
  }

  mergeEncoded(e: EncodedSketch | undefined): void {
    if (!e) return;
    const n = e.k.length;
    if (n > 0) {
      let last = e.k[0]!;
      for (let i = 1; i < n; i++) last += e.k[i]!;
      this.cover(e.k[0]!, last);
      let key = 0;
      for (let i = 0; i < n; i++) {
        key = i === 0 ? e.k[0]! : key + e.k[i]!;
        this.counts[key - this.offset]! += e.c[i]!;
        this.count += e.c[i]!;
      }
    }
    this.zero += e.z ?? 0;
    this.count += e.z ?? 0;
  }

  encode(): EncodedSketch | undefined {
    if (this.count === 0) return undefined;
    const e: EncodedSketch = { k: [], c: [] };
    let previous = 0;
    for (const [key, count] of this.bins()) {
      e.k.push(e.k.length === 0 ? key : key - previous);
      e.c.push(count);
      previous = key;
    }
    if (this.zero) e.z = this.zero;
    return e;
  }

  /** The library's sketch of the same bins (for its quantile definition). */
  toDDSketch(): DDSketch {
    const s = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    for (const [k, c] of this.bins()) s.store.add(k, c);
    s.zeroCount = this.zero;
    s.count = this.count;
    return s;
  }

  /** The value at quantile q (0..1), within 1 % of the true one; null without values. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    if (rank < this.zero) return 0;
    let running = this.zero;
    let key = this.offset + this.counts.length - 1;
    for (let i = 0; i < this.counts.length; i++) {
      running += this.counts[i]!;
      if (this.counts[i]! > 0 && running > rank) {
        key = this.offset + i;
        break;
      }
    }
    return Math.round(MAPPING.value(key) * 100) / 100;
  }
}
