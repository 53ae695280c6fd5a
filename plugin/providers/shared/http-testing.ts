// Helpers for tests that run a provider translation against a fake provider
// server over real HTTP (used by *.test.ts only).
import type { ChatChunk, ChatRequest } from '../../openai/types';
import type { ChatTranslation, ResponseContext, UpstreamRequest } from '../contract';
import { createStreamDecoder } from '../framing';

/** Sends a built (and, where the provider signs, signed) request as it is. */
export function sendUpstream(up: UpstreamRequest): Promise<Response> {
  return fetch(up.url, { method: up.method, headers: up.headers, body: up.body });
}

export interface TranslatedStream {
  chunks: ChatChunk[];
  completed: boolean;
  /** What the transformer threw (e.g. a ProviderError for an in-stream error); the chunks are those before it. */
  error?: unknown;
}

/**
 * Decodes a streamed response body in the reads the socket delivers and
 * translates it, as the server does. `callEnd` also takes the transformer's
 * end() chunks.
 */
export async function translateStreamedResponse(
  res: Response,
  chat: ChatTranslation,
  ctx: ResponseContext,
  req: ChatRequest,
  options: { callEnd?: boolean } = {},
): Promise<TranslatedStream> {
  const decoder = createStreamDecoder(chat.framing);
  const transformer = chat.createStreamTransformer(ctx, req);
  const chunks: ChatChunk[] = [];
  try {
    for await (const bytes of res.body!) for (const e of decoder.push(bytes)) chunks.push(...transformer.push(e));
    for (const e of decoder.end()) chunks.push(...transformer.push(e));
    if (options.callEnd) chunks.push(...transformer.end());
  } catch (error) {
    return { chunks, completed: transformer.completed(), error };
  }
  return { chunks, completed: transformer.completed() };
}
