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
  // n becomes candidateCount; batchEmbedContents takes any number of inputs.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: false, audioInput: true, files: true, embeddings: {} },
};
