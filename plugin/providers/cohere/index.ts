// Cohere through its v2 API (/v2/chat, /v2/embed), bearer key.
import type { Provider } from '../contract';
import { cohereDescriptor } from './descriptor';
import { COHERE_MAX_TEXTS, buildCohereEmbeddingsRequest, parseCohereEmbeddingsResponse } from './embeddings';
import { parseCohereError } from './errors';
import { buildCohereChatRequest } from './request';
import { parseCohereChatResponse } from './response';
import { createCohereStreamTransformer } from './stream';

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
