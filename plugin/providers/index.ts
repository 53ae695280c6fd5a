// The provider registry: ProviderId -> Provider. Add a provider with one line.
//
// Each provider's translation loads when it is first asked for: a worker
// that a request waits for (one sent as the plugin server starts) loads only
// what its warm-up and that request use, and most gateways use one or two of
// the nine. A spare worker loads the rest once warm (loadAllProviders).
import type { ProviderId } from '../contract';
import type { Provider } from './contract';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
const LOADERS: Record<ProviderId, () => Provider> = {
  openai: () => (require('./openai') as typeof import('./openai')).openAIProvider,
  'azure-openai': () => (require('./azure-openai') as typeof import('./azure-openai')).azureOpenAIProvider,
  'openai-compatible': () => (require('./openai-compatible') as typeof import('./openai-compatible')).openAICompatibleProvider,
  anthropic: () => (require('./anthropic') as typeof import('./anthropic')).anthropicProvider,
  gemini: () => (require('./gemini') as typeof import('./gemini')).geminiProvider,
  bedrock: () => (require('./bedrock') as typeof import('./bedrock')).bedrockProvider,
  cohere: () => (require('./cohere') as typeof import('./cohere')).cohereProvider,
  ollama: () => (require('./ollama') as typeof import('./ollama')).ollamaProvider,
  mistral: () => (require('./mistral') as typeof import('./mistral')).mistralProvider,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const providers: Partial<Record<ProviderId, Provider>> = {};
for (const id of Object.keys(LOADERS) as ProviderId[]) {
  Object.defineProperty(providers, id, {
    enumerable: true,
    configurable: true,
    get() {
      const provider = LOADERS[id]();
      Object.defineProperty(providers, id, { value: provider, enumerable: true });
      return provider;
    },
  });
}

/** Loads every provider's translation now (a spare worker with time to spare). */
export function loadAllProviders(): void {
  Object.values(providers); // reading each property loads it
}

export function getProvider(id: ProviderId): Provider {
  const p = providers[id];
  if (!p) throw new Error(`No provider registered for "${id}"`);
  return p;
}

export { createStreamDecoder } from './shared/decode-stream-framing';
export type { StreamDecoder } from './shared/decode-stream-framing';
export { SSE_DONE, sseChunk, sseError, errorBody } from './shared/serialize-sse';
