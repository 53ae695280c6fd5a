// The provider registry: ProviderId -> Provider. Add a provider with one line.
import type { ProviderId } from '../contract';
import { anthropicProvider } from './anthropic';
import { azureOpenAIProvider } from './azure-openai';
import { bedrockProvider } from './bedrock';
import { cohereProvider } from './cohere';
import type { Provider } from './contract';
import { geminiProvider } from './gemini';
import { mistralProvider } from './mistral';
import { ollamaProvider } from './ollama';
import { openAIProvider } from './openai';
import { openAICompatibleProvider } from './openai-compatible';

export const providers: Partial<Record<ProviderId, Provider>> = {
  openai: openAIProvider,
  'azure-openai': azureOpenAIProvider,
  'openai-compatible': openAICompatibleProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  bedrock: bedrockProvider,
  cohere: cohereProvider,
  ollama: ollamaProvider,
  mistral: mistralProvider,
};

export function getProvider(id: ProviderId): Provider {
  const p = providers[id];
  if (!p) throw new Error(`No provider registered for "${id}"`);
  return p;
}

export { createStreamDecoder } from './shared/decode-stream-framing';
export type { StreamDecoder } from './shared/decode-stream-framing';
export { SSE_DONE, sseChunk, sseError, errorBody } from './shared/serialize-sse';
