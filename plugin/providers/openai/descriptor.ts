// OpenAI's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const openAIDescriptor: ProviderDescriptor = {
  name: 'OpenAI',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.openai.com/v1', shape: 'versioned', suffixes: [], example: 'https://api.openai.com/v1' },
  officialHosts: ['api.openai.com'],
  priceTable: 'openai',
  // OpenAI's own wire format: everything the client sends reaches it.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: true, audioInput: true, files: true, embeddings: {} },
};
