// The contract every provider implements. Translation is pure: no network,
// no clock, no randomness. Ids and timestamps come in through the context so
// that fixtures are deterministic.
import type { Credentials, DestinationOptions, ProviderId } from '../contract';
import { GatewayError } from '../gateway-error';
import type { ChatChunk, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResponse } from '../openai/types';

/** Everything a translation needs to know about the destination it talks to. */
export interface Target {
  provider: ProviderId;
  model: string;
  credentials: Credentials;
  options: DestinationOptions;
}

/** A fully built HTTP request to the provider. */
export interface UpstreamRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Injected ids and time for a response being translated. */
export interface ResponseContext {
  /** OpenAI-style completion id, e.g. "chatcmpl-..." */
  id: string;
  /** Unix seconds */
  created: number;
  /** Model name to report when the provider does not say. */
  model: string;
  /** Generates ids for tool calls the provider leaves unnamed. */
  newId: () => string;
}

/** How a provider frames its streaming response body. */
export type StreamFraming = 'sse' | 'ndjson' | 'aws-eventstream';

/** One decoded unit of a provider's stream, as the shared framing decoder emits it. */
export type StreamEvent =
  | { framing: 'sse'; event?: string; data: string }
  | { framing: 'ndjson'; line: string }
  | { framing: 'aws-eventstream'; headers: Record<string, string>; payload: string };

/** Per-request stateful translation of a provider stream into OpenAI chunks. */
export interface StreamTransformer {
  /** Chunks to send for this event (possibly none). Throws GatewayError for an in-stream error event. */
  push(event: StreamEvent): ChatChunk[];
  /**
   * Called once when the upstream body ends; returns any final chunks.
   * Transformers never emit the usage-only chunk (`choices: []`, `usage`):
   * they always ask the provider for usage and report it through usage();
   * the server appends the usage chunk only when the client set
   * `stream_options.include_usage`.
   */
  end(): ChatChunk[];
  /** Usage seen so far (final after end()). */
  usage(): { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined;
  /** True once the provider signalled a complete response (so a cut-off body can be told apart). */
  completed(): boolean;
}

// Providers throw (and parseError returns) the gateway's one failure type.
export { GatewayError };

export interface ChatTranslation {
  buildRequest(req: ChatRequest, target: Target): UpstreamRequest;
  parseResponse(body: unknown, ctx: ResponseContext): ChatCompletion;
  framing: StreamFraming;
  createStreamTransformer(ctx: ResponseContext, req: ChatRequest): StreamTransformer;
}

export interface EmbeddingsTranslation {
  /** Most inputs one call takes (none: no cap); the gateway splits larger requests. */
  maxInputs?(target: Target): number | undefined;
  buildRequest(req: EmbeddingsRequest, target: Target): UpstreamRequest;
  parseResponse(body: unknown, ctx: ResponseContext): EmbeddingsResponse;
}

export interface Provider {
  id: ProviderId;
  chat: ChatTranslation;
  embeddings?: EmbeddingsTranslation;
  /** Maps a non-2xx provider response to the client-facing error. */
  parseError(status: number, body: string, headers: Record<string, string>): GatewayError;
  /** Optional request signing (e.g. AWS SigV4); the clock is injected. */
  sign?(req: UpstreamRequest, target: Target, now: Date): Promise<UpstreamRequest>;
}
