// Gemini errors are google.rpc.Status objects: {error:{code,message,status,details}}.
// A 429 may carry a google.rpc.RetryInfo detail with `retryDelay: "37s"`,
// used when no Retry-After header says otherwise.
// Reference: https://ai.google.dev/gemini-api/docs/troubleshooting
import { GatewayError } from '../contract';
import { isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';
import type { GeminiErrorBody } from './types';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

type GeminiStatus = GeminiErrorBody['error'];

function readStatus(body: string): GeminiStatus | undefined {
  const parsed = tryParseJson(body);
  // Some Google front ends wrap the status in a one-element array.
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  return isRecord(first) && isRecord(first.error) ? first.error : undefined;
}

/** "37s" / "1.5s" (a protobuf Duration in JSON) to milliseconds. */
export function parseRetryDelay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function retryDelayOf(status: GeminiStatus | undefined): number | undefined {
  for (const detail of status?.details ?? []) {
    if (isRecord(detail) && detail['@type'] === RETRY_INFO_TYPE) return parseRetryDelay(detail.retryDelay);
  }
  return undefined;
}

/**
 * Gemini answers a wrong API key with 400 INVALID_ARGUMENT (reason
 * API_KEY_INVALID). That is the gateway's credential, not the client's
 * request, so it is treated like a 401.
 */
function isInvalidApiKey(status: GeminiStatus | undefined): boolean {
  return (status?.details ?? []).some((d) => isRecord(d) && d.reason === 'API_KEY_INVALID');
}

function toProviderError(httpStatus: number, status: GeminiStatus | undefined, headers: Record<string, string>, fallback: string): GatewayError {
  const mapped = mapUpstreamError({
    provider: 'Gemini',
    status: httpStatus === 400 && isInvalidApiKey(status) ? 401 : httpStatus,
    message: typeof status?.message === 'string' && status.message !== '' ? status.message : fallback,
    nativeType: typeof status?.status === 'string' ? status.status : null,
    headers,
  });
  const hint = mapped.retryAfterMs ?? retryDelayOf(status);
  if (hint === mapped.retryAfterMs && mapped.upstreamStatus === httpStatus) return mapped;
  return new GatewayError(mapped.message, mapped.status, mapped.type, mapped.code, httpStatus, hint, mapped.param);
}

export function parseGeminiError(status: number, body: string, headers: Record<string, string>): GatewayError {
  return toProviderError(status, readStatus(body), headers, body.trim().slice(0, 500));
}

/** An error object inside a 200 body or stream (`data: {"error":{...}}`). */
export function geminiInBodyError(status: GeminiStatus): GatewayError {
  const code = typeof status.code === 'number' && status.code >= 400 ? status.code : 500;
  return toProviderError(code, status, {}, 'Gemini reported an error');
}
