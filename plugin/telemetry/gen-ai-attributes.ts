// Attribute names of the OpenTelemetry GenAI semantic conventions (still
// "development" status, so kept here as the semantic-conventions package
// advises for incubating names, instead of importing its unstable entry
// point), and the gateway's own attributes under `llm_gateway.`.
import type { EndpointKind, ProviderId } from '../contract';

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  /** The event that carries message content (opt-in) per the conventions. */
  operationDetailsEvent: 'gen_ai.client.inference.operation.details',
} as const;

export const GATEWAY = {
  requestId: 'llm_gateway.request_id',
  endpoint: 'llm_gateway.endpoint',
  destination: 'llm_gateway.destination',
  user: 'llm_gateway.user',
  ingress: 'llm_gateway.ingress',
  status: 'llm_gateway.status',
  attempts: 'llm_gateway.attempts',
  attempt: 'llm_gateway.attempt',
  fallbackReason: 'llm_gateway.fallback_reason',
  costUsd: 'llm_gateway.cost_usd',
  budgetReservedUsd: 'llm_gateway.budget.reserved_usd',
  budgetReservedTokens: 'llm_gateway.budget.reserved_tokens',
  budgetChargedUsd: 'llm_gateway.budget.charged_usd',
  budgetChargedTokens: 'llm_gateway.budget.charged_tokens',
  overheadMs: 'llm_gateway.overhead_ms',
  ttftMs: 'llm_gateway.ttft_ms',
  runId: 'llm_gateway.run_id',
  /** On a shadow call's span: the client request it copied; on that request's span: the shadow's id. */
  shadowOf: 'llm_gateway.shadow_of',
  shadowTraceId: 'llm_gateway.shadow_request_id',
} as const;

/** gen_ai.operation.name of each kind of call. */
export function operationName(kind: EndpointKind): string {
  return kind === 'embeddings' ? 'embeddings' : 'chat';
}

/** gen_ai.provider.name: the conventions' well-known values where one exists, our id otherwise. */
export function providerName(provider: ProviderId): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

const PROVIDER_NAMES: Partial<Record<ProviderId, string>> = {
  'azure-openai': 'azure.ai.openai',
  gemini: 'gcp.gemini',
  bedrock: 'aws.bedrock',
  mistral: 'mistral_ai',
};
