// Mergeable latency distributions: DDSketch (@datadog/sketches-js, 1 %
// relative accuracy) stored sparsely. The library's own protobuf form keeps
// every bin of its dense store as a double (over 1 KiB for a handful of
// values); rollups keep thousands of sketches, so only the non-empty bins are
// stored, as [first key, then key deltas] and counts.
import { DDSketch } from '@datadog/sketches-js';

export const RELATIVE_ACCURACY = 0.01;

/** Non-empty bins: keys[0] absolute, then deltas; zero = values below the sketch's smallest bin. */
export interface EncodedSketch {
  k: number[];
  c: number[];
  z?: number;
}

export function newSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
}

export function encodeSketch(s: DDSketch): EncodedSketch | undefined {
  if (s.count === 0) return undefined;
  const keys: number[] = [];
  const counts: number[] = [];
  const { bins, offset } = s.store;
  let previous = 0;
  for (let i = 0; i < bins.length; i++) {
    const count = bins[i]!;
    if (count === 0) continue;
    const key = offset + i;
    keys.push(keys.length === 0 ? key : key - previous);
    counts.push(count);
    previous = key;
  }
  return s.zeroCount > 0 ? { k: keys, c: counts, z: s.zeroCount } : { k: keys, c: counts };
}

/** Adds an encoded sketch's bins to `into` (exact: bin counts add). */
export function mergeEncodedSketch(into: DDSketch, e: EncodedSketch | undefined): void {
  if (!e) return;
  let key = 0;
  for (let i = 0; i < e.k.length; i++) {
    key = i === 0 ? e.k[0]! : key + e.k[i]!;
    into.store.add(key, e.c[i]!);
    into.count += e.c[i]!;
  }
  if (e.z) {
    into.zeroCount += e.z;
    into.count += e.z;
  }
}

/** The value at quantile q (0..1), within 1 % of the true one; null without values. */
export function quantile(s: DDSketch, q: number): number | null {
  if (s.count === 0) return null;
  return Math.round(s.getValueAtQuantile(q) * 100) / 100;
}
