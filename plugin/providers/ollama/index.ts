// Ollama through its native API (/api/chat, /api/embed), NDJSON streaming.
import type { Provider } from '../contract';
import { ollamaDescriptor } from './descriptor';
import { buildOllamaEmbeddingsRequest, parseOllamaEmbeddingsResponse } from './translate-embeddings';
import { parseOllamaError } from './parse-error';
import { buildOllamaChatRequest } from './build-request';
import { parseOllamaChatResponse } from './parse-response';
import { createOllamaStreamTransformer } from './transform-stream';

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
