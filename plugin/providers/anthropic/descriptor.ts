// Anthropic's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const anthropicDescriptor: ProviderDescriptor = {
  name: 'Anthropic',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.anthropic.com', shape: 'root', suffixes: [/\/v1$/], example: 'https://api.anthropic.com' },
  officialHosts: ['api.anthropic.com'],
  priceTable: 'anthropic',
  outputLimits: [
    { models: /claude-(opus-4|4-opus)/, maxTokens: 32_000, example: 'claude-opus-4-1' },
    { models: /claude-(sonnet-4|4-sonnet)|claude-3-7/, maxTokens: 64_000, example: 'claude-sonnet-4-5' },
    { models: /claude-3-5|claude-3\.5/, maxTokens: 8_192, example: 'claude-3-5-haiku-latest' },
    { models: /claude/, maxTokens: 4_096, example: 'claude-3-haiku-20240307' },
  ],
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
