// One HTTP call to a provider, with a per-attempt deadline, classified into
// success or a GatewayError that the fallback logic understands.
import { Agent, errors, request, type Dispatcher } from 'undici';
import type { UpstreamRequest } from '../providers/contract';
import { GatewayError } from '../gateway-error';

// Kept-alive connections to providers, shared by every request of the
// process. No cap per provider: a stream holds its connection for minutes,
// and a cap would make new requests wait behind open streams.
const agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1 });

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

export type CallResult = { ok: true; response: UpstreamResponse } | { ok: false; failure: GatewayError };

export async function callUpstream(req: UpstreamRequest, timeoutMs: number, signal: AbortSignal): Promise<CallResult> {
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' ? undefined : req.body,
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

export function classifyError(err: unknown, timeoutMs: number): GatewayError {
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError) {
    return timeoutFailure(timeoutMs);
  }
  const e = err as { code?: string; message?: string; name?: string };
  const detail = `${e.code ?? e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`;
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
