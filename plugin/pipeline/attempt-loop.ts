// The attempt loop every kind of call shares: walk the plan, retry the same
// destination with backoff, move to the next on a fallback trigger, keep
// destination health, and stop at the first answer or at a failure that no
// other attempt can fix. Every attempt enters the trace here, once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Destination, Endpoint } from '../contract';
import { GatewayError } from '../gateway-error';
import type { Sink } from '../ingress/contract';
import type { DestinationHealth } from '../routing/cooldown';
import { planAttempts } from '../routing/plan';
import { retryDelayMs, shouldFallBack } from '../routing/retry';
import { providerFor } from './call-provider';
import type { AttemptOutcome, Call, CallKind } from './call-kind';

export interface AttemptLoop<Request, S extends Sink> {
  call: Call<Request, S>;
  kind: CallKind<Request, S>;
  stickyKey?: string;
  health: DestinationHealth;
  random: () => number;
}

/**
 * The answered outcome, or the failure the client gets. The walk goes on in
 * callbacks, not in an async frame: a frame awaiting an attempt stays
 * suspended, with its registers, for as long as a stream runs (minutes).
 */
export function runAttempts<Request, S extends Sink>(loop: AttemptLoop<Request, S>): Promise<AttemptOutcome> {
  const { call, health } = loop;
  const { endpoint, trace } = call;
  let last: GatewayError | undefined;
  let retries: Map<string, number> | undefined; // made on the first retry: most requests never retry

  /** The next attempt from plan[i] on, after the backoff of a retry. */
  const from = (plan: Destination[], i: number): Promise<AttemptOutcome> => {
    for (; i < plan.length; i++) {
      if (call.signal.aborted) break;
      const destination = plan[i]!;
      const key = healthKey(endpoint, destination);
      const isRetry = last !== undefined && plan[i - 1] === destination;
      if (isRetry && !last!.retryable) continue;
      const laterAlternative = plan.slice(i + 1).some((d) => d !== destination);
      if (!health.admit(key) && laterAlternative) continue;
      if (!isRetry) return attempt(plan, i, key);

      retries ??= new Map();
      const n = retries.get(destination.id) ?? 0;
      retries.set(destination.id, n + 1);
      const delay = retryDelayMs(n, last!.retryAfterMs, loop.random);
      if (delay === undefined) {
        health.release(key);
        continue;
      }
      const before = performance.now();
      const at = i;
      // sleep reads `aborted` and listens for 'abort', as it does on an AbortSignal.
      return sleep(delay, undefined, { signal: call.signal as AbortSignal })
        .catch(() => undefined)
        .then(() => {
          trace.providerMs += performance.now() - before;
          return attempt(plan, at, key);
        });
    }
    return Promise.resolve({ answered: false, failure: last ?? noDestination(endpoint) });
  };

  /** plan[i], then what its outcome calls for: the answer, the failure, or the walk going on. */
  const attempt = (plan: Destination[], i: number, key: string): Promise<AttemptOutcome> => {
    const destination = plan[i]!;
    const record = trace.beginAttempt(destination);
    const found = providerFor(destination);
    const outcome = found.ok
      ? loop.kind.attempt(call, destination, found.provider, record)
      : Promise.resolve({ answered: false as const, failure: found.failure });
    return outcome.then((unredacted) => {
      const o = redacted(unredacted, call.redact);
      if (o.answered) {
        record.end(200, o.error ? { type: o.error.code ?? o.error.type, message: o.error.message } : undefined);
        health.success(key);
        return o;
      }
      last = o.failure;
      record.end(last.upstreamStatus, { type: last.code ?? last.type, message: last.message });
      if (!last.canFallBack || !shouldFallBack(last, endpoint.fallback.triggers)) {
        health.release(key);
        return o;
      }
      health.failure(key);
      return from(plan, i + 1);
    });
  };

  try {
    const plan = planAttempts({
      endpoint,
      stickyKey: loop.stickyKey,
      random: loop.random,
      isCooling: (d) => health.isCooling(healthKey(endpoint, d)),
    });
    return from(plan, 0);
  } catch (err) {
    // As an async function would: the caller settles and traces the request whatever failed.
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Provider text can carry credentials back; nothing leaves this loop unscrubbed. */
function redacted(outcome: AttemptOutcome, redact: (text: string) => string): AttemptOutcome {
  const error = outcome.answered ? outcome.error : outcome.failure;
  if (!error) return outcome;
  const clean = redact(error.message);
  if (clean === error.message) return outcome;
  return outcome.answered ? { ...outcome, error: error.withMessage(clean) } : { answered: false, failure: error.withMessage(clean) };
}

function healthKey(endpoint: Endpoint, destination: Destination): string {
  return `${endpoint.id}/${destination.id}`;
}

function noDestination(endpoint: Endpoint): GatewayError {
  return new GatewayError(`Endpoint '${endpoint.name}' has no destination that can take traffic.`, 503, 'service_unavailable', 'no_destination', null);
}
