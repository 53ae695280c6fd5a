// The one serializer for the client-facing OpenAI stream framing. Whatever
// the provider spoke, the client reads `data: <json>\n\n` frames and a final
// `data: [DONE]\n\n`. An error after the 200 went out is sent as a data frame
// whose JSON has a top-level `error` (that is what OpenAI itself does and what
// the official SDKs turn into an APIError), followed by [DONE].
import type { ChatChunk, ErrorBody } from '../../openai/types';
import { GatewayError } from '../contract';

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseChunk(chunk: ChatChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export function sseError(error: ErrorBody): string {
  return `data: ${JSON.stringify(error)}\n\n`;
}

/** Client-facing error body for any failure (GatewayError keeps its mapped type/code). */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof GatewayError) {
    return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { error: { message, type: 'server_error', param: null, code: null } };
}

/** SSE comment line: keeps idle connections alive; ignored by every SSE client. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';
