// Choosing the destination that serves a request. Without stickiness the
// pick is a weighted random draw. With stickiness it is weighted rendezvous
// hashing: every destination scores the sticky key, the best score wins. The
// score -weight/ln(u) makes each destination win with probability
// proportional to its weight, and changing one weight only moves the keys
// that destination wins or loses — other users stay where they are.
import { createHash } from 'node:crypto';

export interface Weighted {
  id: string;
  weight: number;
}

/** `random` returns a float in [0, 1); injected so tests are deterministic. */
export function pickWeighted<T extends Weighted>(items: T[], random: () => number): T | undefined {
  const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
  if (total <= 0) return undefined;
  let point = random() * total;
  for (const item of items) {
    if (item.weight <= 0) continue;
    point -= item.weight;
    if (point < 0) return item;
  }
  return items.filter((item) => item.weight > 0).at(-1);
}

export function pickSticky<T extends Weighted>(items: T[], key: string): T | undefined {
  let best: T | undefined;
  let bestScore = -Infinity;
  for (const item of items) {
    if (item.weight <= 0) continue;
    const score = -item.weight / Math.log(uniformHash(`${key}\u0000${item.id}`));
    if (score > bestScore) {
      bestScore = score;
      best = item;
    }
  }
  return best;
}

/** A hash mapped onto the open interval (0, 1). */
function uniformHash(input: string): number {
  const digest = createHash('sha256').update(input).digest();
  const value = digest.readUIntBE(0, 6); // 48 bits
  return (value + 0.5) / 2 ** 48;
}
