// One provider call of an attempt, the same for every kind: build the
// provider's request (pure translation), sign it, pass the caller's trace
// context on, send it, and turn a non-2xx answer into the one failure type.
// The time spent waiting on the provider is counted on the attempt.
import type { Destination } from '../contract';
import { GatewayError, preparationFailure } from '../gateway-error';
import { loadPriceTableSoon } from '../pricing';
import { providers } from '../providers';
import type { Provider, Target, UpstreamRequest } from '../providers/contract';
import { callUpstream, classifyError, type UpstreamResponse } from '../upstream/call';
import type { CallSignal } from './call-signal';
import type { AttemptRecord } from './trace-recorder';

export type ProviderCall = { ok: true; response: UpstreamResponse } | { ok: false; failure: GatewayError };

export function targetOf(destination: Destination): Target {
  return { provider: destination.provider, model: destination.model, credentials: destination.credentials, options: destination.options };
}

/** The provider implementation behind a destination. */
export function providerFor(destination: Destination): { ok: true; provider: Provider } | { ok: false; failure: GatewayError } {
  const provider = providers[destination.provider];
  if (provider) return { ok: true, provider };
  const message = `destination '${destination.id}' names provider '${destination.provider}', which this gateway build does not support`;
  return { ok: false, failure: new GatewayError(message, 500, 'server_error', 'provider_not_supported', null, undefined, null, 'configuration') };
}

export interface ProviderCallOptions {
  provider: Provider;
  destination: Destination;
  /** Builds the provider's request; a throw is a translation (or configuration) failure, never retried as is. */
  build: (target: Target) => UpstreamRequest;
  attempt: AttemptRecord;
  traceparent?: string;
  signal: CallSignal;
}

export async function callProvider(o: ProviderCallOptions): Promise<ProviderCall> {
  const target = targetOf(o.destination);
  let upstream: UpstreamRequest;
  try {
    upstream = o.build(target);
    if (o.provider.sign) upstream = await o.provider.sign(upstream, target, new Date());
  } catch (err) {
    return { ok: false, failure: preparationFailure(err) };
  }
  if (o.traceparent) upstream.headers.traceparent = o.traceparent;

  const calling = callUpstream(upstream, o.destination.timeoutMs, o.signal, o.destination);
  loadPriceTableSoon(); // a fresh worker's first call: the table loads while the provider works
  const called = await o.attempt.wait(calling);
  if (!called.ok) return called;
  const res = called.response;
  if (res.status < 300) return { ok: true, response: res };
  const text = await o.attempt.wait(res.body.text()).catch(() => '');
  return { ok: false, failure: o.provider.parseError(res.status, text, res.headers) };
}

/** Reads a whole 2xx body, a broken or stalled body being the provider's failure. */
export async function readBody(
  response: UpstreamResponse,
  destination: Destination,
  attempt: AttemptRecord,
): Promise<{ ok: true; text: string } | { ok: false; failure: GatewayError }> {
  try {
    return { ok: true, text: await attempt.wait(response.body.text()) };
  } catch (err) {
    return { ok: false, failure: classifyError(err, destination.timeoutMs) };
  }
}

/** A 2xx body the gateway could not read: the provider's fault, worth another destination. */
export function unreadableAnswer(destination: Destination, err: unknown): GatewayError {
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError(
    `${destination.provider} returned a response the gateway could not read: ${detail}`,
    502,
    'upstream_error',
    'provider_bad_response',
    200,
    undefined,
    null,
    'invalid-response',
  );
}
