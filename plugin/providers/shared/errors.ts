// Provider failure -> client-facing GatewayError. One table for every
// provider so clients and the fallback logic see the same statuses no matter
// who failed. `upstreamStatus` always keeps what the provider said.
//
// | provider status            | client status | type                   | code                     |
// |----------------------------|---------------|------------------------|--------------------------|
// | 400, 422                   | 400           | invalid_request_error  | provider code or null    |
// | 413                        | 413           | invalid_request_error  | request_too_large        |
// | 401, 403                   | 502           | upstream_auth_error    | provider_auth_failed     |
// | 402                        | 502           | upstream_error         | provider_billing         |
// | 404                        | 502           | upstream_error         | provider_not_found       |
// | 408, 504                   | 504           | timeout_error          | upstream_timeout         |
// | 429                        | 429           | rate_limit_exceeded    | rate_limit_exceeded      |
// | 429 insufficient_quota     | 503           | service_unavailable    | provider_quota_exceeded  |
// | 503, 529 (overloaded)      | 503           | service_unavailable    | provider_overloaded      |
// | other 5xx                  | 502           | upstream_error         | provider_error           |
// | other 4xx                  | 400           | invalid_request_error  | provider code or null    |
//
// Why 401/403 and 404 become 502: the client authenticated to the gateway
// with the gateway's key and named a gateway endpoint; the provider key and
// the provider model/deployment come from the destination's configuration.
// A provider rejecting them is a gateway misconfiguration (a bad gateway in
// HTTP terms), and the 5xx lets fallback move on to the next destination.
// Why exhausted quota is 503, not 429: the client cannot fix the gateway's
// billing by slowing down, and fallback should try another destination.
import { GatewayError } from '../contract';

export interface UpstreamFailure {
  /** Human name of the provider, e.g. "Anthropic". */
  provider: string;
  status: number;
  /** The provider's own error message, when the body had one. */
  message?: string;
  /** The provider's error type/code (e.g. `overloaded_error`, `insufficient_quota`). */
  nativeType?: string | null;
  nativeCode?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
}

export function mapUpstreamError(f: UpstreamFailure): GatewayError {
  const retryAfterMs = f.headers ? parseRetryAfter(f.headers) : undefined;
  const said = f.message ? `: ${f.message}` : '';
  const make = (status: number, type: string, code: string | null, message: string): GatewayError =>
    new GatewayError(message, status, type, code, f.status, retryAfterMs, f.param ?? null);
  const native = f.nativeCode ?? f.nativeType ?? null;

  if (f.status === 429) {
    if (native === 'insufficient_quota' || f.nativeType === 'insufficient_quota') {
      return make(503, 'service_unavailable', 'provider_quota_exceeded', `${f.provider} quota of the gateway's account is exhausted${said}`);
    }
    return make(429, 'rate_limit_exceeded', 'rate_limit_exceeded', `${f.provider} rate limit reached${said}`);
  }
  if (f.status === 401 || f.status === 403) {
    return make(
      502,
      'upstream_auth_error',
      'provider_auth_failed',
      `${f.provider} rejected the gateway's provider credentials (HTTP ${f.status})${said}. ` +
        `This is a gateway configuration problem: your gateway API key is not sent to ${f.provider}.`,
    );
  }
  if (f.status === 402) return make(502, 'upstream_error', 'provider_billing', `${f.provider} billing problem on the gateway's account${said}`);
  if (f.status === 404) {
    return make(502, 'upstream_error', 'provider_not_found', `${f.provider} does not know the configured model or deployment (HTTP 404)${said}`);
  }
  if (f.status === 408 || f.status === 504) return make(504, 'timeout_error', 'upstream_timeout', `${f.provider} timed out${said}`);
  if (f.status === 413) return make(413, 'invalid_request_error', 'request_too_large', f.message ?? `Request too large for ${f.provider}`);
  if (f.status === 503 || f.status === 529) {
    return make(503, 'service_unavailable', 'provider_overloaded', `${f.provider} is temporarily overloaded${said}`);
  }
  if (f.status >= 500) return make(502, 'upstream_error', 'provider_error', `${f.provider} failed with HTTP ${f.status}${said}`);
  if (f.status >= 400) return make(400, 'invalid_request_error', f.nativeCode ?? null, f.message ?? `${f.provider} rejected the request (HTTP ${f.status})`);
  return make(502, 'upstream_error', 'provider_error', `${f.provider} answered with unexpected HTTP ${f.status}${said}`);
}

/**
 * Milliseconds to wait from `retry-after-ms` (OpenAI/Azure, fractional ms) or
 * `retry-after` (seconds or an HTTP date). An HTTP date is measured against
 * the response's own `date` header, so no clock is needed and skew between
 * the gateway and the provider does not matter.
 */
export function parseRetryAfter(headers: Record<string, string>): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const ra = header(headers, 'retry-after');
  if (ra === undefined) return undefined;
  const seconds = Number(ra);
  if (ra.trim() !== '' && Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const at = Date.parse(ra);
  const dateHeader = header(headers, 'date');
  const now = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(at) || Number.isNaN(now)) return undefined;
  return Math.max(0, at - now);
}

/** Case-insensitive header lookup (callers pass whatever casing their HTTP client produced). */
export function header(headers: Record<string, string>, name: string): string | undefined {
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Parses a JSON body, or undefined when it is not JSON (HTML from a proxy, empty body...). */
export function tryParseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A 2xx body the translator cannot read: the provider broke its contract. */
export function malformedResponse(provider: string, detail: string): GatewayError {
  return new GatewayError(`${provider} returned a malformed response: ${detail}`, 502, 'upstream_error', 'provider_bad_response', 200);
}

/** A request the provider cannot express; the client must change it. */
export function invalidRequest(message: string, param: string | null = null): GatewayError {
  return new GatewayError(message, 400, 'invalid_request_error', null, null, undefined, param);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The same error, marked as raised inside a 200 stream (upstream status 200). */
export function asInStreamError(err: GatewayError): GatewayError {
  return new GatewayError(err.message, err.status, err.type, err.code, 200, err.retryAfterMs, err.param);
}

/** JSON of one stream event; a broken event is a malformed provider response. */
export function parseEventJson(provider: string, data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw malformedResponse(provider, `stream event is not JSON: ${data.slice(0, 200)}`);
  }
}
