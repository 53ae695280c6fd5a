// Amazon Bedrock through the Converse API, SigV4-signed (or a Bedrock API key).
import type { Provider } from '../contract';
import { bedrockDescriptor } from './descriptor';
import { bedrockEmbeddingsMaxInputs, buildBedrockEmbeddingsRequest, parseBedrockEmbeddingsResponse } from './embeddings';
import { parseBedrockError } from './errors';
import { buildBedrockChatRequest } from './request';
import { parseBedrockChatResponse } from './response';
import { signBedrockRequest } from './sign';
import { createBedrockStreamTransformer } from './stream';

export const bedrockProvider: Provider = {
  id: 'bedrock',
  chat: {
    buildRequest: buildBedrockChatRequest,
    parseResponse: parseBedrockChatResponse,
    framing: bedrockDescriptor.capabilities.streamFraming,
    createStreamTransformer: (ctx) => createBedrockStreamTransformer(ctx),
  },
  embeddings: {
    maxInputs: bedrockEmbeddingsMaxInputs,
    buildRequest: buildBedrockEmbeddingsRequest,
    parseResponse: parseBedrockEmbeddingsResponse,
  },
  parseError: parseBedrockError,
  sign: signBedrockRequest,
};
