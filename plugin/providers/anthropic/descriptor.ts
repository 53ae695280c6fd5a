// Anthropic's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const anthropicDescriptor: ProviderDescriptor = {
  name: 'Anthropic',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.anthropic.com', shape: 'root', suffixes: [/\/v1$/], example: 'https://api.anthropic.com' },
  officialHosts: ['api.anthropic.com'],
  priceTable: 'anthropic',
  // No log probabilities in the Messages API (answers carry logprobs: null); no embeddings API.
  capabilities: {
    tools: true,
    jsonSchema: true,
    streamFraming: 'sse',
    multipleChoices: false,
    logprobs: false,
    audioInput: false,
    files: true,
    embeddings: false,
  },
};
