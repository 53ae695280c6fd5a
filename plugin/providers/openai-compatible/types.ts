// The OpenAI chat-completions wire format as providers actually send it:
// looser than the client-facing types (fields optional, extras present,
// arguments sometimes objects, indexes sometimes missing).
// https://platform.openai.com/docs/api-reference/chat/object
// https://platform.openai.com/docs/api-reference/chat-streaming/streaming
import type { ThinkingBlock } from '../../openai/types';

export interface NativeToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string | Record<string, unknown> };
  /** OpenAI custom tools (free-form input). */
  custom?: { name?: string; input?: string };
}

export interface NativeUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [k: string]: number | undefined } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: number | undefined } | null;
  /** DeepSeek's names for cache hits and misses. */
  prompt_cache_hit_tokens?: number;
}

/** Reasoning fields servers add to a message or delta: DeepSeek and vLLM `reasoning_content`, newer vLLM and OpenRouter `reasoning`, LiteLLM `thinking_blocks`. */
export interface NativeReasoning {
  reasoning_content?: string | null;
  reasoning?: string | null;
  thinking_blocks?: ThinkingBlock[] | null;
}

export interface NativeChoice {
  index?: number;
  message?: { role?: string; content?: string | null; tool_calls?: NativeToolCall[]; refusal?: string | null } & NativeReasoning;
  delta?: { role?: string; content?: string | null; tool_calls?: NativeToolCall[]; refusal?: string | null } & NativeReasoning;
  finish_reason?: string | null;
}

export interface NativeCompletion {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: NativeChoice[];
  usage?: NativeUsage | null;
  system_fingerprint?: string | null;
  /** OpenAI (and Azure) send `{error}` inside a stream when generation fails after the 200. */
  error?: NativeError['error'];
}

/** https://platform.openai.com/docs/guides/error-codes ; Azure sends the same envelope with string codes. */
export interface NativeError {
  error?: { message?: string; type?: string | null; param?: string | null; code?: string | number | null } | string;
  /** Mistral and some servers put the fields at the top level. */
  message?: string;
  type?: string;
  code?: string | number | null;
  /** FastAPI-based servers (vLLM) */
  detail?: unknown;
}

export interface NativeEmbeddings {
  object?: string;
  data?: Array<{ object?: string; index?: number; embedding?: number[] | string }>;
  model?: string;
  usage?: { prompt_tokens?: number; total_tokens?: number };
}
