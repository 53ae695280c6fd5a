// The Anthropic Messages API as a way into the gateway:
// parse the client's request into the pipeline's OpenAI request, and give
// the pipeline a sink that answers in Anthropic's format.
export { AnthropicRequestError, anthropicErrorType, fromOpenAiError } from './errors';
export { toAnthropicMessage } from './from-openai-response';
export { anthropicMessagesIngress } from './messages-ingress';
export { anthropicSink, sendAnthropicError, type AnthropicSinkOptions } from './sink';
export { AnthropicStreamTranslator, serializeEvent } from './stream';
export { parseAnthropicRequest, toOpenAiRequest } from './to-openai-request';
export type { IngressRequest } from './types';
export { validateAnthropicRequest } from './validate';
