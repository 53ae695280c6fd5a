// Gemini's (Google AI) facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const geminiDescriptor: ProviderDescriptor = {
  name: 'Gemini',
  credentials: { required: ['apiKey'], optional: [] },
  secretOptional: false,
  baseUrl: {
    default: 'https://generativelanguage.googleapis.com',
    shape: 'root',
    suffixes: [/\/v1(alpha|beta)?\/openai$/, /\/v1(alpha|beta)?$/],
    example: 'https://generativelanguage.googleapis.com',
  },
  officialHosts: ['generativelanguage.googleapis.com'],
  priceTable: 'google',
  outputLimits: [
    { models: /gemini-2\.5/, maxTokens: 65_536, example: 'gemini-2.5-flash' },
    { models: /gemini/, maxTokens: 8_192, example: 'gemini-2.0-flash' },
  ],
  // n becomes candidateCount; batchEmbedContents takes any number of inputs.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: false, audioInput: true, files: true, embeddings: {} },
};
