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

/** Stored form of rollups written before the byte form: non-empty bin keys (first absolute, then deltas), their counts, and values too small for a bin. */
export interface ArraySketch {
  k: number[];
  c: number[];
  z?: number;
}

/**
 * Stored form: unsigned LEB128 varints in bytes (msgpack keeps them as one
 * binary, decoded as a view, not an array of numbers): values too small for
 * a bin, the number of non-empty bins, the first and last keys (zigzag),
 * then per bin the gap to the previous key minus one and the count. A day's
 * sketch of a busy user has hundreds of bins: as arrays, msgpack decoding
 * them was most of a summary by user.
 */
export type EncodedSketch = Uint8Array | ArraySketch;

const zigzag = (n: number) => (n >= 0 ? 2 * n : -2 * n - 1);
const unzigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

/** Writes n (a non-negative integer up to 2^53) as a varint at `pos`; returns the position after it. */
function putVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[pos++] = n;
  return pos;
}

/** A varint of up to 2^53 takes at most 8 bytes. */
const MAX_VARINT_BYTES = 8;
let scratch = new Uint8Array(1024);
/** A reused buffer for `varints` varints (encode copies out what it wrote). */
function scratchFor(varints: number): Uint8Array {
  if (scratch.length < varints * MAX_VARINT_BYTES) scratch = new Uint8Array(varints * MAX_VARINT_BYTES);
  return scratch;
}

/** Reads varints from a byte array, in order. */
class VarintReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}
  next(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }
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
    if (e instanceof Uint8Array) {
      this.mergeBytes(e);
      return;
    }
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

  private mergeBytes(bytes: Uint8Array): void {
    const r = new VarintReader(bytes);
    const zero = r.next();
    const n = r.next();
    this.zero += zero;
    this.count += zero;
    if (n === 0) return;
    const first = unzigzag(r.next());
    this.cover(first, unzigzag(r.next()));
    const counts = this.counts;
    let i = first - this.offset - 1;
    for (let b = 0; b < n; b++) {
      i += r.next() + 1;
      const c = r.next();
      counts[i]! += c;
      this.count += c;
    }
  }

  encode(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    // Straight from the bins into a scratch buffer (a flush encodes thousands of sketches: no generator, no arrays).
    const counts = this.counts;
    let n = 0;
    let first = -1;
    let last = -1;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]! > 0) {
        n++;
        if (first < 0) first = i;
        last = i;
      }
    }
    const out = scratchFor(4 + 2 * n);
    let pos = putVarint(out, 0, this.zero);
    pos = putVarint(out, pos, n);
    if (n > 0) {
      pos = putVarint(out, pos, zigzag(this.offset + first));
      pos = putVarint(out, pos, zigzag(this.offset + last));
      let previous = first - 1;
      for (let i = first; i <= last; i++) {
        const c = counts[i]!;
        if (c === 0) continue;
        pos = putVarint(out, pos, i - previous - 1);
        pos = putVarint(out, pos, c);
        previous = i;
      }
    }
    return out.slice(0, pos);
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
