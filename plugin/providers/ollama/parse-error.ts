// Ollama errors are `{"error": "..."}` with an HTTP status (404 for an
// unknown model, 400 for a bad request, 500 when the runner fails); the same
// object may appear as a line of a stream.
// Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#errors
import type { GatewayError } from '../contract';
import { isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';

export function parseOllamaError(status: number, body: string, headers: Record<string, string>): GatewayError {
  const parsed = tryParseJson(body);
  const message = isRecord(parsed) && typeof parsed.error === 'string' ? parsed.error : body.trim().slice(0, 500) || undefined;
  return mapUpstreamError({ provider: 'Ollama', status, message, headers });
}

/** `{"error": "..."}` as a stream line: the model runner failed mid-answer. */
export function ollamaStreamError(message: string): GatewayError {
  return mapUpstreamError({ provider: 'Ollama', status: 500, message });
}
