// The facts of any server with OpenAI's API, as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const openAICompatibleDescriptor: ProviderDescriptor = {
  name: 'OpenAI-compatible provider',
  credentials: { required: ['apiKey'], optional: [] },
  // Self-hosted servers often take no key.
  secretOptional: true,
  baseUrl: { shape: 'versioned', suffixes: [], example: 'https://api.groq.com/openai/v1' },
  // Self-hosted by nature: a key is sent only to the hosts its secret lists.
  officialHosts: [],
  // Whatever the server runs: models are looked up across the whole price table.
  capabilities: { tools: true, jsonSchema: true, streamFraming: 'sse', multipleChoices: true, logprobs: true, audioInput: true, files: true, embeddings: {} },
};
