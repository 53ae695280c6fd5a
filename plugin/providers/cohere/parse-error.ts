// Cohere errors are `{"message": "..."}` (some with `id`) with the HTTP
// status: 400/422 bad request, 401 invalid token, 402 billing, 404 model,
// 429 rate limit (trial keys too), 499 cancelled, 500/503 server.
// Reference: https://docs.cohere.com/reference/errors
import type { GatewayError } from '../contract';
import { isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';

export function parseCohereError(status: number, body: string, headers: Record<string, string>): GatewayError {
  const parsed = tryParseJson(body);
  const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : body.trim().slice(0, 500) || undefined;
  return mapUpstreamError({ provider: 'Cohere', status, message, headers });
}

/** finish_reason ERROR / an in-stream error: the generation failed on Cohere's side. */
export function cohereGenerationError(message: string | undefined): GatewayError {
  return mapUpstreamError({ provider: 'Cohere', status: 500, message: message ?? 'the generation ended with an error' });
}
