// The Google AI Gemini API provider (API key, generativelanguage.googleapis.com).
import type { Provider } from '../contract';
import { geminiDescriptor } from './descriptor';
import { buildGeminiEmbeddingsRequest, parseGeminiEmbeddingsResponse } from './translate-embeddings';
import { parseGeminiError } from './parse-error';
import { buildGeminiChatRequest } from './build-request';
import { parseGeminiChatResponse } from './parse-response';
import { createGeminiStreamTransformer } from './transform-stream';

export const geminiProvider: Provider = {
  id: 'gemini',
  chat: {
    buildRequest: buildGeminiChatRequest,
    parseResponse: parseGeminiChatResponse,
    framing: geminiDescriptor.capabilities.streamFraming,
    createStreamTransformer: (ctx) => createGeminiStreamTransformer(ctx),
  },
  embeddings: {
    buildRequest: buildGeminiEmbeddingsRequest,
    parseResponse: parseGeminiEmbeddingsResponse,
  },
  parseError: parseGeminiError,
};
