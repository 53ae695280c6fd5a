// The Google AI Gemini API provider (API key, generativelanguage.googleapis.com).
import type { Provider } from '../contract';
import { geminiDescriptor } from './descriptor';
import { buildGeminiEmbeddingsRequest, parseGeminiEmbeddingsResponse } from './embeddings';
import { parseGeminiError } from './errors';
import { buildGeminiChatRequest } from './request';
import { parseGeminiChatResponse } from './response';
import { createGeminiStreamTransformer } from './stream';

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
