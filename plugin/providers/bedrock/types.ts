// Native wire types of Amazon Bedrock Runtime: Converse / ConverseStream and
// InvokeModel bodies of the embedding models the gateway supports.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html

export type BedrockImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface BedrockToolResultContent {
  text?: string;
  json?: unknown;
  image?: BedrockContentBlock['image'];
  document?: BedrockContentBlock['document'];
}

export type BedrockDocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ReasoningContentBlock.html */
export interface BedrockReasoningContent {
  reasoningText?: { text: string; signature?: string };
  /** Base64 bytes of reasoning the model encrypted (Claude's redacted thinking). */
  redactedContent?: string;
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CachePointBlock.html */
export interface BedrockCachePoint {
  cachePoint: { type: 'default' };
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html */
export interface BedrockContentBlock {
  text?: string;
  image?: { format: BedrockImageFormat; source: { bytes: string } };
  document?: { format: BedrockDocumentFormat; name: string; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: BedrockToolResultContent[]; status?: 'success' | 'error' };
  /** Claude extended thinking: reasoning_content for the client, signed blocks back next turn. */
  reasoningContent?: BedrockReasoningContent;
  cachePoint?: { type: 'default' };
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_SystemContentBlock.html */
export type BedrockSystemBlock = { text: string } | BedrockCachePoint;

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Tool.html */
export type BedrockTool = BedrockToolSpec | BedrockCachePoint;

export type BedrockToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  /** Model-specific fields: Claude's `thinking` on Bedrock. */
  additionalModelRequestFields?: { thinking?: { type: 'enabled'; budget_tokens: number } };
  /** Structured output; the schema travels as a JSON string. */
  outputConfig?: { textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string; description?: string } } } };
}

export type BedrockStopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'guardrail_intervened' | 'content_filtered' | (string & {});

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html */
export interface BedrockUsage {
  /** Input not read from or written to the cache. */
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
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
  contentBlockDelta: {
    contentBlockIndex: number;
    delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
  };
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
  inputTextTokenCount?: number | null;
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
  embeddings: number[][] | { float: number[][] };
  texts?: string[];
}

/** Either answer, as validateBedrockEmbeddings lets it through. */
export type BedrockEmbeddingsResponse = Partial<TitanEmbedResponse> & Partial<Pick<CohereBedrockEmbedResponse, 'embeddings'>>;
