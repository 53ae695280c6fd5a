// Mistral (La Plateforme, https://api.mistral.ai/v1): the OpenAI-compatible
// base plus Mistral's differences. Responses keep Mistral's own tool-call ids.
// Reference: https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
import { createOpenAICompatibleProvider } from '../openai-compatible';
import type { Provider } from '../contract';
import { mapToolCallIds } from './map-tool-call-ids';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const MISTRAL_BASE_URL = BASE_URL_RULES.mistral.default!;

const compatible = createOpenAICompatibleProvider({
  id: 'mistral',
  name: 'Mistral',
  baseUrl: MISTRAL_BASE_URL,
  auth: { kind: 'bearer' },
  roles: { developer: 'system' },
  messageFields: 'openai',
  functionToolsOnly: true,
  params: {
    max_completion_tokens: { rename: 'max_tokens' },
    seed: { rename: 'random_seed' },
    tool_choice: { values: { required: 'any' } },
    // Mistral answers unknown fields with 422; usage comes in the last stream chunk anyway.
    stream_options: { drop: true },
    user: { drop: true },
    // Magistral models reason without being asked; Mistral has no effort switch.
    reasoning_effort: { drop: true },
  },
  embeddingParams: {
    user: { drop: true },
    dimensions: { rename: 'output_dimension' },
  },
});

export const mistralProvider: Provider = {
  ...compatible,
  chat: {
    ...compatible.chat,
    buildRequest: (req, target) => compatible.chat.buildRequest({ ...req, messages: mapToolCallIds(req.messages) }, target),
  },
};
