// Anthropic Messages API provider.
import type { Provider } from '../contract';
import { parseAnthropicError } from './errors';
import { buildAnthropicRequest } from './request';
import { parseAnthropicResponse } from './response';
import { createAnthropicStreamTransformer } from './stream';

export const anthropicProvider: Provider = {
  id: 'anthropic',
  chat: {
    framing: 'sse',
    buildRequest: buildAnthropicRequest,
    parseResponse: parseAnthropicResponse,
    createStreamTransformer: createAnthropicStreamTransformer,
  },
  // Anthropic has no embeddings API.
  parseError: parseAnthropicError,
};
