// Native wire types of Cohere's v2 API (/v2/chat, /v2/embed).
// Reference: https://docs.cohere.com/reference/chat and https://docs.cohere.com/reference/embed

export type CohereContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereContentPart[] }
  | { role: 'assistant'; content?: string; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  tool_choice?: 'REQUIRED' | 'NONE';
  response_format?: { type: 'json_object'; json_schema?: Record<string, unknown> };
  stop_sequences?: string[];
  max_tokens?: number;
  temperature?: number;
  p?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** Reasoning models (command-a-reasoning): https://docs.cohere.com/docs/reasoning */
  thinking?: { type: 'enabled'; token_budget?: number } | { type: 'disabled' };
}

export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'ERROR_TOXIC' | 'TIMEOUT' | (string & {});

export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
}

export interface CohereChatResponse {
  id?: string;
  finish_reason?: CohereFinishReason;
  message?: {
    role?: 'assistant';
    /** `text` items, and `thinking` items from reasoning models. */
    content?: Array<{ type: string; text?: string; thinking?: string }>;
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
  };
  usage?: CohereUsage;
}

/** The `data:` of one v2 chat stream event; `type` names it. */
export interface CohereStreamEvent {
  type: string;
  id?: string;
  index?: number;
  delta?: {
    message?: {
      content?: { type?: string; text?: string; thinking?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; type?: 'function'; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: CohereFinishReason;
    usage?: CohereUsage;
    error?: string;
  };
}

export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: 'search_document' | 'search_query' | 'classification' | 'clustering';
  embedding_types: ['float'];
  output_dimension?: number;
}

export interface CohereEmbedResponse {
  id?: string;
  embeddings: { float?: number[][] };
  texts?: string[];
  meta?: { billed_units?: { input_tokens?: number } };
}
