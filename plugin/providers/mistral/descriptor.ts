// Mistral's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const mistralDescriptor: ProviderDescriptor = {
  name: 'Mistral',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.mistral.ai/v1', shape: 'versioned', suffixes: [], example: 'https://api.mistral.ai/v1' },
  officialHosts: ['api.mistral.ai'],
  priceTable: 'mistral',
  outputLimits: [{ models: /mistral|mixtral|codestral|ministral|magistral/, maxTokens: 32_768, example: 'mistral-large-latest' }],
  // OpenAI's wire format with a rename table: n, logprobs and content parts pass as sent.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: true, audioInput: true, files: true, embeddings: {} },
};
