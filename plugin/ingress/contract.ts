// What every client API (ingress) gives the pipeline: a parser from its
// request format into the pipeline's request, its own error shape, and a
// sink that writes the pipeline's answers in its format.
import type { ServerResponse } from 'node:http';
import type { Endpoint, TraceIngress } from '../contract';
import type { ConversationStore } from '../conversations/conversation-store';
import type { ChatChunk, ChatCompletion, EmbeddingsResponse, ErrorBody, Usage } from '../openai/types';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; param: string | null };

/** A request completed from stored state, or why it cannot be (a client error). */
export type Prepared<T> = { ok: true; value: T } | { ok: false; status: number; error: ErrorBody };

/** What an ingress may use once the request's endpoint is known. */
export interface IngressContext {
  endpoint: Endpoint;
  user: string;
  /** The id the request's trace and answer carry. */
  requestId: string;
  conversations: ConversationStore;
}

export interface Sink {
  /** The request failed before any answer went out. */
  error(status: number, error: ErrorBody, headers: Record<string, string>): void;
}

/** Where a chat answer goes: the pipeline produces OpenAI completions and chunks. */
export interface ChatSink extends Sink {
  /** May finish asynchronously (an answer stored before it goes out); the pipeline waits for it. */
  completion(completion: ChatCompletion, headers: Record<string, string>): void | Promise<void>;
  /** Commits the stream: status 200 and headers go out. The pipeline lets go of the request now: keep only what the end needs. */
  open(headers: Record<string, string>): void;
  chunk(chunk: ChatChunk): void;
  /** The stream ended well; `usage` is the provider's, or the gateway's estimate when it reported none. */
  /** `costUsd`: what the answer cost, known only now (a stream's headers went out before). */
  close(usage: Usage, last: { id: string; created: number; model: string; costUsd?: number }): void | Promise<void>;
  /** The stream broke after it was committed. */
  streamError(error: ErrorBody): void;
}

export interface EmbeddingsSink extends Sink {
  embeddings(answer: EmbeddingsResponse, headers: Record<string, string>): void;
}

export interface Ingress<Request, S extends Sink> {
  name: TraceIngress;
  parse(body: unknown): Parsed<Request>;
  /** Errors before a sink exists (unreadable body, validation, unknown endpoint), in this API's shape. */
  sendError(res: ServerResponse, status: number, error: ErrorBody, headers: Record<string, string>): void;
  /** Completes the request once its endpoint is known (e.g. the stored conversation a Responses call continues). */
  prepare?(request: Request, context: IngressContext): Promise<Prepared<Request>>;
  sink(res: ServerResponse, request: Request, context: IngressContext): S;
}
