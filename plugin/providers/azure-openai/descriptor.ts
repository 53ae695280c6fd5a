// Azure OpenAI's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const azureOpenAIDescriptor: ProviderDescriptor = {
  name: 'Azure OpenAI',
  // The resource builds the host when options.baseUrl is not set.
  credentials: { required: ['apiKey'], optional: ['resource'] },
  secretOptional: false,
  baseUrl: { shape: 'root', suffixes: [/\/openai\/deployments\/[^/]+$/, /\/openai(\/v1)?$/], example: 'https://my-resource.openai.azure.com' },
  officialHosts: ['*.openai.azure.com', '*.cognitiveservices.azure.com', '*.services.ai.azure.com'],
  priceTable: 'azure',
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: true, audioInput: true, files: true, embeddings: {} },
};
