// Cohere through its v2 API (/v2/chat, /v2/embed), bearer key.
import type { Provider } from '../contract';
import { cohereDescriptor } from './descriptor';
import { COHERE_MAX_TEXTS, buildCohereEmbeddingsRequest, parseCohereEmbeddingsResponse } from './translate-embeddings';
import { parseCohereError } from './parse-error';
import { buildCohereChatRequest } from './build-request';
import { parseCohereChatResponse } from './parse-response';
import { createCohereStreamTransformer } from './transform-stream';

export const cohereProvider: Provider = {
  id: 'cohere',
  chat: {
    buildRequest: buildCohereChatRequest,
    parseResponse: parseCohereChatResponse,
    framing: cohereDescriptor.capabilities.streamFraming,
    createStreamTransformer: (ctx) => createCohereStreamTransformer(ctx),
  },
  embeddings: {
    maxInputs: () => COHERE_MAX_TEXTS,
    buildRequest: buildCohereEmbeddingsRequest,
    parseResponse: parseCohereEmbeddingsResponse,
  },
  parseError: parseCohereError,
};
