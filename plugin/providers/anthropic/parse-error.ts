// Anthropic errors -> GatewayError.
// https://platform.claude.com/docs/en/api/errors
//   {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_..."}
// In a stream the same object arrives as `event: error` after the 200.
import type { GatewayError } from '../contract';
import { asInStreamError, isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';

/** The HTTP status each documented error type comes with (used for in-stream errors). */
export const ERROR_TYPE_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function readError(body: unknown): { type?: string; message?: string } {
  if (!isRecord(body) || !isRecord(body.error)) return {};
  const e = body.error;
  return { type: typeof e.type === 'string' ? e.type : undefined, message: typeof e.message === 'string' ? e.message : undefined };
}

export function parseAnthropicError(status: number, body: string, headers: Record<string, string>): GatewayError {
  const parsed = tryParseJson(body);
  const e = parsed === undefined ? { message: body.trim().slice(0, 500) || undefined } : readError(parsed);
  return mapUpstreamError({ provider: 'Anthropic', status, message: e.message, nativeType: e.type ?? null, headers });
}

export function anthropicStreamError(event: unknown): GatewayError {
  const e = readError(event);
  const status = (e.type && ERROR_TYPE_STATUS[e.type]) || 500;
  return asInStreamError(mapUpstreamError({ provider: 'Anthropic', status, message: e.message ?? 'error in stream', nativeType: e.type ?? null }));
}
