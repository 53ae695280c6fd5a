// Native wire types of Amazon Bedrock Runtime: Converse / ConverseStream and
// InvokeModel bodies of the embedding models the gateway supports.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface BedrockToolResultContent {
  text?: string;
  json?: unknown;
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html */
export interface BedrockContentBlock {
  text?: string;
  image?: { format: BedrockImageFormat; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: BedrockToolResultContent[]; status?: 'success' | 'error' };
  /** Claude extended thinking; kept out of the OpenAI content. */
  reasoningContent?: unknown;
}

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockToolSpec[]; toolChoice?: BedrockToolChoice };
  /** Structured output; the schema travels as a JSON string. */
  outputConfig?: { textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string; description?: string } } } };
}

export type BedrockStopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened' | 'content_filtered' | (string & {});

export interface BedrockUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export interface BedrockConverseResponse {
  output?: { message?: BedrockMessage };
  stopReason?: BedrockStopReason;
  usage?: BedrockUsage;
  metrics?: { latencyMs?: number };
}

/** Payloads of the ConverseStream events, keyed by the `:event-type` header. */
export interface BedrockStreamPayloads {
  messageStart: { role: 'assistant' };
  contentBlockStart: { contentBlockIndex: number; start?: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: { contentBlockIndex: number; delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: unknown } };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason: BedrockStopReason };
  metadata: { usage?: BedrockUsage; metrics?: { latencyMs?: number } };
}

/** amazon.titan-embed-text-v2:0 — https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html */
export interface TitanEmbedRequest {
  inputText: string;
  dimensions?: number;
  normalize?: boolean;
}

export interface TitanEmbedResponse {
  embedding: number[];
  inputTextTokenCount?: number;
}

/** cohere.embed-* — https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html */
export interface CohereBedrockEmbedRequest {
  texts: string[];
  input_type: 'search_document' | 'search_query' | 'classification' | 'clustering';
  embedding_types?: string[];
  truncate?: 'NONE' | 'START' | 'END';
}

export interface CohereBedrockEmbedResponse {
  id?: string;
  /** A plain array, or `{float: [...]}` when embedding_types was given. */
  embeddings: number[][] | { float?: number[][] };
  texts?: string[];
}
