// The one failure type, from a provider's answer (or a translation, or a
// dead connection) up to the client's error body. `status` is what the
// client gets, `upstreamStatus` what the provider said; `kind` decides what
// the attempt loop may do about it.
import type { ErrorBody } from './openai/types';

/**
 * - `status`: the provider answered with an error (mapped by one table, providers/shared/errors.ts).
 * - `timeout`, `connection`: no usable answer arrived.
 * - `invalid-response`: the provider answered 2xx with something unreadable.
 * - `configuration`: this destination cannot be called as configured (no key, no region...):
 *    another destination may work, the same one never will.
 * - `translation`: the request cannot be expressed for the provider — the client's fault (4xx, with
 *    `param`) or ours (500). Deterministic: never retried, never falls back.
 */
export type FailureKind = 'status' | 'timeout' | 'connection' | 'invalid-response' | 'configuration' | 'translation';

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    readonly upstreamStatus: number | null,
    readonly retryAfterMs?: number,
    /** The request field at fault, when known (OpenAI's `error.param`). */
    readonly param: string | null = null,
    readonly kind: FailureKind = 'status',
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** Whether trying the same destination again can help. */
  get retryable(): boolean {
    return this.kind !== 'translation' && this.kind !== 'configuration';
  }

  /** Whether another destination may succeed where this one failed (subject to the endpoint's triggers). */
  get canFallBack(): boolean {
    return this.kind !== 'translation';
  }

  /** The same failure told differently (redacted, or with context added). */
  withMessage(message: string): GatewayError {
    return new GatewayError(message, this.status, this.type, this.code, this.upstreamStatus, this.retryAfterMs, this.param, this.kind);
  }

  withKind(kind: FailureKind): GatewayError {
    return new GatewayError(this.message, this.status, this.type, this.code, this.upstreamStatus, this.retryAfterMs, this.param, kind);
  }

  /** OpenAI's error shape; after several attempts the message says so. */
  body(attempts = 1): ErrorBody {
    const prefix = attempts > 1 ? `All ${attempts} attempts failed; the last one: ` : '';
    return { error: { message: `${prefix}${this.message}`, type: this.type, param: this.param, code: this.code } };
  }
}

/**
 * What a throw while preparing a provider request means: a deliberate
 * GatewayError keeps its status (4xx: the client's request cannot be
 * translated; 5xx: the destination is misconfigured); anything else is a
 * bug of ours, reported as a 500 and never retried.
 */
export function preparationFailure(err: unknown): GatewayError {
  if (err instanceof GatewayError) {
    if (err.kind !== 'status') return err;
    return err.withKind(err.status >= 500 ? 'configuration' : 'translation');
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError(
    `The gateway failed to translate this request for the provider: ${detail}`,
    500,
    'server_error',
    'translation_failed',
    null,
    undefined,
    null,
    'translation',
  );
}
