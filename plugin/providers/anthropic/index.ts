// Anthropic Messages API provider.
import type { Provider } from '../contract';
import { anthropicDescriptor } from './descriptor';
import { parseAnthropicError } from './errors';
import { buildAnthropicRequest } from './request';
import { parseAnthropicResponse } from './response';
import { createAnthropicStreamTransformer } from './stream';

export const anthropicProvider: Provider = {
  id: 'anthropic',
  chat: {
    framing: anthropicDescriptor.capabilities.streamFraming,
    buildRequest: buildAnthropicRequest,
    parseResponse: parseAnthropicResponse,
    createStreamTransformer: createAnthropicStreamTransformer,
  },
  // Anthropic has no embeddings API.
  parseError: parseAnthropicError,
};
