// When a failed attempt moves on, and how long it waits first.
import type { FallbackTrigger } from '../contract';
import type { GatewayError } from '../gateway-error';

/** Which configured trigger a failure falls under; none for a deterministic translation failure. */
export function triggerOf(failure: Pick<GatewayError, 'kind' | 'status'>): FallbackTrigger | undefined {
  switch (failure.kind) {
    case 'translation':
      return undefined;
    case 'timeout':
      return 'timeout';
    case 'connection':
      return 'connection';
    case 'invalid-response':
    case 'configuration':
      return '5xx';
    // The client-facing status decides: a provider rejecting the gateway's
    // own key or model (401/403/404 upstream) is a 502, a gateway problem that
    // another destination can fix; a client mistake stays a 4xx.
    case 'status':
      if (failure.status === 429) return '429';
      if (failure.status >= 500) return '5xx';
      return '4xx';
  }
}

export function shouldFallBack(failure: Pick<GatewayError, 'kind' | 'status'>, triggers: FallbackTrigger[]): boolean {
  const trigger = triggerOf(failure);
  return trigger !== undefined && triggers.includes(trigger);
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A Retry-After longer than this is not waited for: the attempt moves to another destination or fails. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, capMs: 2_000, maxRetryAfterMs: 10_000 };

/**
 * Delay before retrying the SAME destination (a different destination is
 * tried at once). Exponential with full jitter, never shorter than the
 * provider's Retry-After. Returns undefined when Retry-After is too long to wait.
 */
export function retryDelayMs(
  retryIndex: number,
  retryAfterMs: number | undefined,
  random: () => number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > options.maxRetryAfterMs) return undefined;
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** retryIndex);
  const jittered = Math.round(random() * exponential);
  return Math.max(jittered, retryAfterMs ?? 0);
}
