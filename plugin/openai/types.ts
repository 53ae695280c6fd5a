// The OpenAI wire format: the gateway's client-facing API and the common
// language every provider translation speaks.

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/**
 * Anthropic's prompt-cache marker. OpenAI's API has no such field; LiteLLM
 * and Anthropic-minded clients put it on content parts, messages and tools,
 * and the gateway passes it to providers that cache on markers.
 * https://platform.claude.com/docs/en/build-with-claude/prompt-caching
 */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextPart {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}

export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
  cache_control?: CacheControl;
}

export interface InputAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

export interface FilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
  cache_control?: CacheControl;
}

/**
 * Content parts after normalization (normalize-chat-request.ts): an
 * assistant's `refusal` parts arrive as text, which is what the model said.
 */
export type ContentPart = TextPart | ImagePart | InputAudioPart | FilePart;

export interface FunctionToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A call of an OpenAI custom (free-form input) tool; only OpenAI itself runs them. */
export interface CustomToolCall {
  id: string;
  type: 'custom';
  custom: { name: string; input: string };
}

export type ToolCall = FunctionToolCall | CustomToolCall;

/**
 * Signed reasoning a provider needs back next turn, in the shape LiteLLM
 * made the de-facto one (`thinking_blocks`): Anthropic's thinking and
 * redacted_thinking blocks (also Claude on Bedrock).
 */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature?: string } | { type: 'redacted_thinking'; data: string };

export interface ChatMessage {
  role: Role;
  /** null when absent (an assistant message that only calls tools). */
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** Provider-specific reasoning state carried across turns (e.g. Gemini thought signatures). */
  provider_state?: Record<string, unknown>;
  /** The reasoning text a client echoes back (DeepSeek-style servers want it on tool-call turns). */
  reasoning_content?: string;
  /** Signed thinking the client echoes back (LiteLLM does), or the gateway restored from its state store. */
  thinking_blocks?: ThinkingBlock[];
  /** Message-level cache marker (LiteLLM's shape): applies to the message's last content block. */
  cache_control?: CacheControl;
}

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
  cache_control?: CacheControl;
}

/** OpenAI's custom tool (free-form text input, optional grammar); only OpenAI itself runs them. */
export interface CustomTool {
  type: 'custom';
  custom: { name: string; description?: string; format?: Record<string, unknown> };
}

export type Tool = FunctionTool | CustomTool;

export type ToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } }
  | { type: 'custom'; custom: { name: string } }
  | { type: 'allowed_tools'; allowed_tools: { mode: 'auto' | 'required'; tools: Array<Record<string, unknown>> } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };

/** OpenAI's reasoning effort levels (the SDK's `ReasoningEffort`). */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * The request the pipeline and every provider translation see: the client's
 * OpenAI request after validate.ts and normalize-chat-request.ts (legacy
 * `functions`/`function_call` become tools, absent content is null).
 * Fields the gateway does not model stay on the object and reach OpenAI
 * itself unchanged.
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean; include_obfuscation?: boolean };
  logprobs?: boolean;
  top_logprobs?: number;
  modalities?: Array<'text' | 'audio'>;
  audio?: Record<string, unknown>;
  metadata?: Record<string, string>;
  store?: boolean;
  prediction?: Record<string, unknown>;
  reasoning_effort?: ReasoningEffort;
  /**
   * An explicit thinking budget in tokens, from the Anthropic ingress
   * (`thinking.budget_tokens`) or a client sending Anthropic's `thinking`
   * (LiteLLM passes it through); wins over reasoning_effort.
   */
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };
  [extra: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** OpenAI's usage, with the details the gateway fills from every provider that reports them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Of prompt_tokens: read from the prompt cache, written to it (Anthropic and Bedrock cache writes). */
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  /** Of completion_tokens: the model's reasoning. */
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  /** The model's reasoning text (the de-facto field of DeepSeek, vLLM and LiteLLM). */
  reasoning_content?: string;
  /** Signed reasoning to send back next turn (see ThinkingBlock). */
  thinking_blocks?: ThinkingBlock[];
  provider_state?: Record<string, unknown>;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: AssistantMessage;
    finish_reason: FinishReason | null;
    logprobs?: null;
  }>;
  usage?: Usage;
  system_fingerprint?: string | null;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function' | 'custom';
  function?: { name?: string; arguments?: string };
  custom?: { name?: string; input?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ToolCallDelta[];
  refusal?: string | null;
  reasoning_content?: string;
  /**
   * Pieces of signed reasoning, as LiteLLM streams them: text pieces of a
   * thinking block, then a piece with its signature (which ends the block);
   * a redacted block comes whole.
   */
  thinking_blocks?: ThinkingBlock[];
  provider_state?: Record<string, unknown>;
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs?: null }>;
  usage?: Usage | null;
  system_fingerprint?: string | null;
}

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The one error shape every client sees. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
