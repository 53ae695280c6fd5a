// Ollama through its native API (/api/chat, /api/embed), NDJSON streaming.
import type { Provider } from '../contract';
import { ollamaDescriptor } from './descriptor';
import { buildOllamaEmbeddingsRequest, parseOllamaEmbeddingsResponse } from './embeddings';
import { parseOllamaError } from './errors';
import { buildOllamaChatRequest } from './request';
import { parseOllamaChatResponse } from './response';
import { createOllamaStreamTransformer } from './stream';

export const ollamaProvider: Provider = {
  id: 'ollama',
  chat: {
    buildRequest: buildOllamaChatRequest,
    parseResponse: parseOllamaChatResponse,
    framing: ollamaDescriptor.capabilities.streamFraming,
    createStreamTransformer: (ctx) => createOllamaStreamTransformer(ctx),
  },
  embeddings: {
    buildRequest: buildOllamaEmbeddingsRequest,
    parseResponse: parseOllamaEmbeddingsResponse,
  },
  parseError: parseOllamaError,
};
