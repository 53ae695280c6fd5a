// The ordered list of destinations one request may try: the weighted (or
// sticky) pick first, then the endpoint's fallback chain, repeated until
// `maxAttempts` so that a short chain still gets retries. Destinations in
// cooldown go last: they are tried only when everything healthy has failed.
import type { Destination, Endpoint } from '../contract';
import { pickSticky, pickWeighted } from './pick';

export interface PlanInput {
  endpoint: Endpoint;
  /** Present when the endpoint is sticky and the request carries the key. */
  stickyKey?: string;
  random: () => number;
  isCooling: (destination: Destination) => boolean;
}

export function planAttempts({ endpoint, stickyKey, random, isCooling }: PlanInput): Destination[] {
  const byId = new Map(endpoint.destinations.map((d) => [d.id, d]));
  const weighted = endpoint.destinations.filter((d) => d.weight > 0);
  const healthy = weighted.filter((d) => !isCooling(d));
  const pool = healthy.length > 0 ? healthy : weighted;
  const first = stickyKey !== undefined ? pickSticky(pool, stickyKey) : pickWeighted(pool, random);

  const ordered: Destination[] = first ? [first] : [];
  for (const id of endpoint.fallback.chain) {
    const d = byId.get(id);
    if (d && !ordered.includes(d)) ordered.push(d);
  }
  const sequence = [...ordered.filter((d) => !isCooling(d)), ...ordered.filter((d) => isCooling(d))];
  if (sequence.length === 0) return [];

  const attempts: Destination[] = [];
  const max = Math.max(1, endpoint.fallback.maxAttempts);
  for (let i = 0; i < max; i++) attempts.push(sequence[i % sequence.length]!);
  return attempts;
}
