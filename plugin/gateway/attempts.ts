// The attempt loop shared by chat and embeddings: walk the plan, retry the
// same destination with backoff, move to the next on a fallback trigger, keep
// destination health, and stop at the first answer or a non-trigger failure.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Destination, Endpoint } from '../contract';
import { DestinationHealth } from '../routing/cooldown';
import { planAttempts } from '../routing/plan';
import { retryDelayMs, shouldFallBack, type AttemptFailure } from '../routing/retry';
import type { TraceRecorder } from './trace';

export type AttemptOutcome = { done: true } | { done: false; failure: AttemptFailure };

export interface AttemptLoop {
  endpoint: Endpoint;
  stickyKey?: string;
  health: DestinationHealth;
  trace: TraceRecorder;
  signal: AbortSignal;
  random: () => number;
  run(destination: Destination): Promise<AttemptOutcome>;
}

/** Returns undefined when some attempt answered, else the last failure. */
export async function runAttempts(loop: AttemptLoop): Promise<AttemptFailure | undefined> {
  const { endpoint, health, trace } = loop;
  const plan = planAttempts({
    endpoint,
    stickyKey: loop.stickyKey,
    random: loop.random,
    isCooling: (d) => health.isCooling(healthKey(endpoint, d)),
  });
  let last: AttemptFailure | undefined;
  const retries = new Map<string, number>();
  for (let i = 0; i < plan.length; i++) {
    if (loop.signal.aborted) break;
    const destination = plan[i];
    const key = healthKey(endpoint, destination);
    const laterAlternative = plan.slice(i + 1).some((d) => d !== destination);
    if (!health.admit(key) && laterAlternative) continue;

    if (last && plan[i - 1] === destination) {
      const n = retries.get(destination.id) ?? 0;
      retries.set(destination.id, n + 1);
      const delay = retryDelayMs(n, last.retryAfterMs, loop.random);
      if (delay === undefined) {
        health.release(key);
        continue;
      }
      const before = performance.now();
      await sleep(delay, undefined, { signal: loop.signal }).catch(() => undefined);
      trace.providerMs += performance.now() - before;
    }

    const outcome = await loop.run(destination);
    if (outcome.done) {
      health.success(key);
      return undefined;
    }
    last = outcome.failure;
    if (!shouldFallBack(last, endpoint.fallback.triggers)) {
      health.release(key);
      return last;
    }
    health.failure(key);
  }
  return last ?? noDestination(endpoint);
}

function healthKey(endpoint: Endpoint, destination: Destination): string {
  return `${endpoint.id}/${destination.id}`;
}

function noDestination(endpoint: Endpoint): AttemptFailure {
  return {
    kind: 'status',
    status: 503,
    upstreamStatus: null,
    type: 'service_unavailable',
    code: 'no_destination',
    message: `Endpoint '${endpoint.name}' has no destination that can take traffic.`,
  };
}
