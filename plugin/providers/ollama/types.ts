// Native wire types of Ollama's own API (/api/chat, /api/embed).
// Reference: https://github.com/ollama/ollama/blob/main/docs/api.md

export interface OllamaToolCall {
  /** Ollama sends arguments as an object, not a JSON string. */
  function: { name: string; arguments: Record<string, unknown>; index?: number };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** Name of the tool whose result this is (role "tool"). */
  tool_name?: string;
  thinking?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  num_predict?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  tools?: OllamaTool[];
  /** "json" or a JSON schema. */
  format?: 'json' | Record<string, unknown>;
  options?: OllamaOptions;
  /** Thinking models: on/off, or a level for gpt-oss. */
  think?: boolean | 'low' | 'medium' | 'high';
  stream: boolean;
}

/** One /api/chat response object; streamed as NDJSON, the last has done: true. */
export interface OllamaChatResponse {
  model?: string;
  created_at?: string;
  message?: { role?: string; content?: string; tool_calls?: OllamaToolCall[]; thinking?: string };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
}

export interface OllamaEmbedResponse {
  model?: string;
  embeddings: number[][];
  prompt_eval_count?: number;
}
