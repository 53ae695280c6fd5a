// Amazon Bedrock through the Converse API, SigV4-signed (or a Bedrock API key).
import type { Provider } from '../contract';
import { bedrockDescriptor } from './descriptor';
import { bedrockEmbeddingsMaxInputs, buildBedrockEmbeddingsRequest, parseBedrockEmbeddingsResponse } from './translate-embeddings';
import { parseBedrockError } from './parse-error';
import { buildBedrockChatRequest } from './build-request';
import { parseBedrockChatResponse } from './parse-response';
import { signBedrockRequest } from './sign-request';
import { createBedrockStreamTransformer } from './transform-stream';

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
