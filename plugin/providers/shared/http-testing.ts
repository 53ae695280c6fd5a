// Helpers for tests that run a provider translation against a fake provider
// server over real HTTP (used by *.test.ts only).
import type { ChatChunk, ChatRequest } from '../../openai/types';
import type { ChatTranslation, Provider, ResponseContext, StreamTransformer, Target, UpstreamRequest } from '../contract';
import { createStreamDecoder } from './decode-stream-framing';
import { testContext } from './testing';

/** Sends a built (and, where the provider signs, signed) request as it is. */
export function sendUpstream(up: UpstreamRequest): Promise<Response> {
  return fetch(up.url, { method: up.method, headers: up.headers, body: up.body });
}

export interface TranslatedStream {
  chunks: ChatChunk[];
  completed: boolean;
  usage: ReturnType<StreamTransformer['usage']>;
  /** What the transformer threw (e.g. a GatewayError for an in-stream error); the chunks are those before it. */
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
    return { chunks, usage: transformer.usage(), completed: transformer.completed(), error };
  }
  return { chunks, usage: transformer.usage(), completed: transformer.completed() };
}

/** Builds, sends and translates one chat request as the server does; a non-2xx answer or a failed stream is thrown. */
export async function chatRoundTrip(provider: Provider, target: Target, req: ChatRequest) {
  const res = await sendUpstream(provider.chat.buildRequest(req, target));
  if (!res.ok) throw provider.parseError(res.status, await res.text(), Object.fromEntries(res.headers));
  if (!req.stream) return { completion: provider.chat.parseResponse(await res.json(), testContext()) };
  const run = await translateStreamedResponse(res, provider.chat, testContext(), req, { callEnd: true });
  if ('error' in run) throw run.error;
  return { chunks: run.chunks, usage: run.usage, completed: run.completed };
}
