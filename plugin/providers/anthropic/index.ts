// Anthropic Messages API provider.
import type { Provider } from '../contract';
import { anthropicDescriptor } from './descriptor';
import { parseAnthropicError } from './parse-error';
import { buildAnthropicRequest } from './build-request';
import { parseAnthropicResponse } from './parse-response';
import { createAnthropicStreamTransformer } from './transform-stream';

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
