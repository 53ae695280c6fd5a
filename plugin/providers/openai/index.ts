// OpenAI itself: the OpenAI-compatible base with OpenAI's URL and table.
// https://platform.openai.com/docs/api-reference/chat/create
import type { CompatibleConfig } from '../openai-compatible';
import { createOpenAICompatibleProvider } from '../openai-compatible';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const openAIConfig: CompatibleConfig = {
  id: 'openai',
  name: 'OpenAI',
  baseUrl: BASE_URL_RULES.openai.default,
  auth: { kind: 'bearer' },
  // Fields the gateway does not model (reasoning_effort, logprobs, metadata...) reach OpenAI unchanged.
  passUnknownFields: true,
  messageFields: 'openai',
  params: {
    // max_tokens is deprecated and rejected by reasoning models; max_completion_tokens works for all models.
    max_tokens: { rename: 'max_completion_tokens' },
  },
};

export const openAIProvider = createOpenAICompatibleProvider(openAIConfig);
