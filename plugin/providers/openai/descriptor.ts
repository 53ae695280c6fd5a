// OpenAI's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const openAIDescriptor: ProviderDescriptor = {
  name: 'OpenAI',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: { default: 'https://api.openai.com/v1', shape: 'versioned', suffixes: [], example: 'https://api.openai.com/v1' },
  officialHosts: ['api.openai.com'],
  priceTable: 'openai',
  outputLimits: [
    { models: /(^|[/.:])(o1|o3|o4)(-|$)/, maxTokens: 100_000, example: 'o4-mini' },
    { models: /gpt-5/, maxTokens: 128_000, example: 'gpt-5-mini' },
    { models: /gpt-4\.1/, maxTokens: 32_768, example: 'gpt-4.1-nano' },
    { models: /gpt-4o/, maxTokens: 16_384, example: 'gpt-4o' },
    { models: /gpt-4|gpt-3\.5/, maxTokens: 4_096, example: 'gpt-3.5-turbo' },
  ],
  // OpenAI's own wire format: everything the client sends reaches it.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: true, audioInput: true, files: true, embeddings: {} },
};
