// One HTTP call to a provider, with a per-attempt deadline, classified into
// success or a GatewayError that the fallback logic understands. Before
// anything goes out, the destination is checked as the control plane checked
// it when it was saved (a snapshot from an older control plane, or a database
// edited by hand, gets no further): its extra headers, and that its
// credentials go only to hosts their secret allows. The address actually
// dialled is checked against the outbound policy at connect time.
import type { Dispatcher } from 'undici';
import { Agent, errors, request, UPSTREAM_HTTP2 } from './undici-parts';
import type { Destination } from '../contract';
import type { UpstreamRequest } from '../providers/contract';
import type { CallSignal } from '../pipeline/call-signal';
import { GatewayError } from '../gateway-error';
import { extraHeaderProblems } from './check-extra-headers';
import { checkedConnector, isLoopbackHost, outboundPolicyFrom, urlRefusal, type OutboundPolicy } from './outbound-policy';
import { credentialHostAllowed } from './provider-hosts';
import { releaseRawHeaders } from './release-raw-headers';

// Loopback and private targets only where the operator allows them (the local stack and tests do).
const policy: OutboundPolicy = outboundPolicyFrom(process.env.LLM_GATEWAY_OUTBOUND_ALLOW);

// Kept-alive connections to providers, shared by every request of the
// process. No cap per provider: a stream holds its connection (or, over
// HTTP/2, one of its session's streams) for minutes, and a cap would make new
// requests wait behind open streams. Over HTTP/2 a session carries up to 100
// streams (fewer if the provider says so) and the pool opens another beyond
// that: one TLS session's memory per hundred streams instead of per stream.
const pool = new Agent({
  keepAliveTimeout: 30_000,
  pipelining: 1,
  allowH2: UPSTREAM_HTTP2,
  ...(UPSTREAM_HTTP2 ? { maxConcurrentStreams: 100 } : {}),
  connect: checkedConnector(policy, { http2: UPSTREAM_HTTP2 }),
});
// undici 8 holds each response's raw headers as long as the stream lives.
const agent: Dispatcher = UPSTREAM_HTTP2 ? pool.compose(releaseRawHeaders) : pool;

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

export type CallResult = { ok: true; response: UpstreamResponse } | { ok: false; failure: GatewayError };

export async function callUpstream(req: UpstreamRequest, timeoutMs: number, signal: CallSignal, destination?: Destination): Promise<CallResult> {
  const refusal = destination ? destinationRefusal(req, destination) : undefined;
  if (refusal) return { ok: false, failure: refusal };
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.method === 'GET' ? {} : sentOnce(req)),
      // undici reads `aborted` and `reason` and listens for 'abort': a CallSignal will do (../pipeline/call-signal.ts).
      signal,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      // Between body chunks; a stream that goes silent this long is dead.
      bodyTimeout: timeoutMs,
    });
    return { ok: true, response: { status: res.statusCode, headers: flatten(res.headers), body: res.body } };
  } catch (err) {
    return { ok: false, failure: classifyError(err, timeoutMs) };
  }
}

/**
 * The body as an iterable that lets go of its bytes once undici has written
 * them, with their length declared (so no chunked encoding). Given a string or
 * a Buffer, undici keeps a copy on its request object until the answer ends:
 * for a stream, minutes of an agent's whole history per open stream.
 */
function sentOnce(req: UpstreamRequest): { body: Dispatcher.RequestOptions['body']; headers: Record<string, string> } {
  let pending: Uint8Array | null = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  // Nothing to hold on to (and undici will not take an empty iterable on a busy connection).
  if (pending.byteLength === 0) return { body: null, headers: req.headers };
  const headers: Record<string, string> = { 'content-length': String(pending.byteLength) };
  for (const [name, value] of Object.entries(req.headers)) if (name.toLowerCase() !== 'content-length') headers[name] = value;
  const iterator: Iterator<Uint8Array> = {
    next() {
      const chunk = pending;
      pending = null;
      return chunk ? { done: false, value: chunk } : { done: true, value: undefined };
    },
  };
  const body: Iterable<Uint8Array> = { [Symbol.iterator]: () => iterator };
  // undici documents Iterable and AsyncIterable bodies (and writes them with the declared length); its types omit them.
  return { body: body as unknown as Dispatcher.RequestOptions['body'], headers };
}

// A destination object lives as long as its configuration snapshot and is
// never changed, and the policy is fixed at start: each (destination, URL)
// pair is checked once, not on every request.
const checked = new WeakMap<Destination, Map<string, string | undefined>>();

/** The destination as configured may not be called: a misconfiguration that another destination may not share. */
function destinationRefusal(req: UpstreamRequest, destination: Destination): GatewayError | undefined {
  let byUrl = checked.get(destination);
  if (!byUrl) checked.set(destination, (byUrl = new Map<string, string | undefined>()));
  let why = byUrl.get(req.url);
  if (why === undefined && !byUrl.has(req.url)) {
    why = whyRefused(req.url, destination);
    // One URL per kind of call (per model for some providers): a handful per destination.
    if (byUrl.size < 64) byUrl.set(req.url, why);
  }
  return why === undefined
    ? undefined
    : new GatewayError(`destination '${destination.id}' ${why}`, 502, 'upstream_error', 'destination_refused', null, undefined, null, 'configuration');
}

function whyRefused(url: string, destination: Destination): string | undefined {
  const headerProblem = extraHeaderProblems(destination.options.headers)[0];
  if (headerProblem) return `has a header the gateway does not send: '${headerProblem.name}' ${headerProblem.message}`;
  const urlProblem = urlRefusal(url, policy);
  if (urlProblem) return `points at a URL the gateway does not call: ${urlProblem}`;
  const host = new URL(url).hostname;
  const carriesCredentials = Object.values(destination.credentials).some((v) => typeof v === 'string' && v !== '');
  if (carriesCredentials && !credentialHostAllowed(destination.provider, destination.credentialHosts, host) && !(policy.loopback && isLoopbackHost(host))) {
    return `would send its secret's credentials to ${host}, which is neither ${destination.provider}'s own host nor listed in the secret's allowedHosts`;
  }
  return undefined;
}

export function classifyError(err: unknown, timeoutMs: number): GatewayError {
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError) {
    return timeoutFailure(timeoutMs);
  }
  const e = err as { code?: string; message?: string; name?: string } | null | undefined;
  if (e?.code === 'ERR_OUTBOUND_REFUSED') {
    return new GatewayError(
      `the provider's address is not allowed: ${e.message}`,
      502,
      'upstream_error',
      'destination_refused',
      null,
      undefined,
      null,
      'configuration',
    );
  }
  const detail = `${e?.code ?? e?.name ?? 'error'}${e?.message ? ` (${e.message})` : ''}`;
  return new GatewayError(`could not reach the provider: ${detail}`, 502, 'upstream_error', 'provider_unreachable', null, undefined, null, 'connection');
}

export function timeoutFailure(timeoutMs: number): GatewayError {
  return new GatewayError(`the provider did not answer within ${timeoutMs} ms`, 504, 'timeout_error', 'upstream_timeout', null, undefined, null, 'timeout');
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
