// Ollama's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const ollamaDescriptor: ProviderDescriptor = {
  name: 'Ollama',
  // No key of its own; one is accepted for instances behind an authenticating proxy.
  credentials: { required: [], optional: ['apiKey'] },
  secretOptional: true,
  baseUrl: { default: 'http://127.0.0.1:11434', shape: 'root', suffixes: [/\/api$/, /\/v1$/], example: 'http://ollama.internal:11434' },
  // Self-hosted by nature: a key is sent only to the hosts its secret lists.
  officialHosts: [],
  // Local models: looked up across the whole price table (usually unpriced).
  capabilities: {
    tools: true,
    jsonSchema: true,
    streamFraming: 'ndjson',
    multipleChoices: false,
    logprobs: false,
    audioInput: false,
    files: false,
    embeddings: {},
  },
};
