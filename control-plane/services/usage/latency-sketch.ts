// Mergeable latency distributions with DDSketch's guarantees (quantiles
// within 1 % of the true value, merges exact). Values are binned by the
// library's logarithmic mapping (@datadog/sketches-js); the bins are kept
// sparse: the library's dense store allocates 128 bins per sketch and its
// protobuf form writes every one as a double, while rollups hold thousands of
// sketches with a handful of bins each. Quantiles follow the library's own
// definition (BaseDDSketch.getValueAtQuantile and DenseStore.keyAtRank with
// its mapping's bin values), on the sparse bins directly: building the
// library's sketch for each of a series' hundreds of figures cost more than
// reading the rollups (a test checks both agree).
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
  readonly bins = new Map<number, number>();
  zero = 0;
  count = 0;
  /** Bin keys in order, once the sketch is read (it is not added to after that). */
  private sorted?: number[];

  add(value: number): void {
    this.sorted = undefined;
    this.count++;
    if (!(value > MAPPING.minPossible)) {
      this.zero++;
      return;
    }
    const key = MAPPING.key(value);
    this.bins.set(key, (this.bins.get(key) ?? 0) + 1);
  }

  merge(other: LatencySketch): void {
    this.sorted = undefined;
    for (const [k, c] of other.bins) this.bins.set(k, (this.bins.get(k) ?? 0) + c);
    this.zero += other.zero;
    this.count += other.count;
  }

  mergeEncoded(e: EncodedSketch | undefined): void {
    if (!e) return;
    this.sorted = undefined;
    let key = 0;
    for (let i = 0; i < e.k.length; i++) {
      key = i === 0 ? e.k[0]! : key + e.k[i]!;
      this.bins.set(key, (this.bins.get(key) ?? 0) + e.c[i]!);
      this.count += e.c[i]!;
    }
    this.zero += e.z ?? 0;
    this.count += e.z ?? 0;
  }

  encode(): EncodedSketch | undefined {
    if (this.count === 0) return undefined;
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    const e: EncodedSketch = { k: keys.map((k, i) => (i === 0 ? k : k - keys[i - 1]!)), c: keys.map((k) => this.bins.get(k)!) };
    if (this.zero) e.z = this.zero;
    return e;
  }

  /** The library's sketch of the same bins (for its quantile definition). */
  toDDSketch(): DDSketch {
    const s = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    for (const [k, c] of this.bins) s.store.add(k, c);
    s.zeroCount = this.zero;
    s.count = this.count;
    return s;
  }

  /** The value at quantile q (0..1), within 1 % of the true one; null without values. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * (this.count - 1);
    if (rank < this.zero) return 0;
    const keys = (this.sorted ??= [...this.bins.keys()].sort((a, b) => a - b));
    let running = this.zero;
    let key = keys[keys.length - 1]!;
    for (const k of keys) {
      running += this.bins.get(k)!;
      if (running > rank) {
        key = k;
        break;
      }
    }
    return Math.round(MAPPING.value(key) * 100) / 100;
  }
}
