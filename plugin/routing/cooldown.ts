// Health of destinations, per data-plane process. A destination that fails
// `threshold` times in a row (on fallback triggers) is cooled down; after the
// cooldown one request probes it (half-open). A failed probe doubles the
// cooldown up to `maxMs`; a success clears everything.

export interface CooldownOptions {
  threshold: number;
  baseMs: number;
  maxMs: number;
}

interface Health {
  consecutiveFailures: number;
  coolUntil: number;
  cooldownMs: number;
  probing: boolean;
}

export const DEFAULT_COOLDOWN: CooldownOptions = { threshold: 3, baseMs: 5_000, maxMs: 300_000 };

export class DestinationHealth {
  private readonly health = new Map<string, Health>();

  constructor(
    private readonly options: CooldownOptions = DEFAULT_COOLDOWN,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the destination may take a request now (claims the probe slot when half-open). */
  admit(key: string): boolean {
    const h = this.health.get(key);
    if (!h || h.coolUntil === 0) return true;
    if (this.now() < h.coolUntil || h.probing) return false;
    h.probing = true;
    return true;
  }

  isCooling(key: string): boolean {
    const h = this.health.get(key);
    return !!h && h.coolUntil !== 0 && (this.now() < h.coolUntil || h.probing);
  }

  success(key: string): void {
    this.health.delete(key);
  }

  failure(key: string): void {
    const h = this.health.get(key) ?? { consecutiveFailures: 0, coolUntil: 0, cooldownMs: 0, probing: false };
    h.consecutiveFailures += 1;
    if (h.probing) {
      h.cooldownMs = Math.min(this.options.maxMs, h.cooldownMs * 2);
      h.coolUntil = this.now() + h.cooldownMs;
      h.probing = false;
    } else if (h.consecutiveFailures >= this.options.threshold && h.coolUntil === 0) {
      h.cooldownMs = this.options.baseMs;
      h.coolUntil = this.now() + h.cooldownMs;
    }
    this.health.set(key, h);
  }

  /** Releases a probe slot that ended without a verdict (e.g. a client error). */
  release(key: string): void {
    const h = this.health.get(key);
    if (h) h.probing = false;
  }
}
