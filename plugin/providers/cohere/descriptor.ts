// Cohere's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const cohereDescriptor = {
  name: 'Cohere',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.cohere.com', shape: 'root', suffixes: [/\/compatibility\/v1$/, /\/v[12]$/], example: 'https://api.cohere.com' },
  officialHosts: ['api.cohere.com', 'api.cohere.ai'],
  priceTable: 'cohere',
  outputLimits: [{ models: /command/, maxTokens: 4_000, example: 'command-r-plus' }],
  // /v2/embed takes at most 96 texts.
  capabilities: {
    tools: true,
    jsonSchema: true,
    streamFraming: 'sse',
    multipleChoices: false,
    logprobs: false,
    audioInput: false,
    files: false,
    embeddings: { maxInputs: 96 },
  },
} satisfies ProviderDescriptor;
