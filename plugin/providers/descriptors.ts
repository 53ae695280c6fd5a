// Every provider's descriptor, keyed by ProviderId: data only, so the control
// plane and the outbound host policy can read it without loading translation.
import type { ProviderId } from '../contract';
import { anthropicDescriptor } from './anthropic/descriptor';
import { azureOpenAIDescriptor } from './azure-openai/descriptor';
import { bedrockDescriptor } from './bedrock/descriptor';
import { cohereDescriptor } from './cohere/descriptor';
import type { ProviderDescriptor } from './descriptor';
import { geminiDescriptor } from './gemini/descriptor';
import { mistralDescriptor } from './mistral/descriptor';
import { ollamaDescriptor } from './ollama/descriptor';
import { openAIDescriptor } from './openai/descriptor';
import { openAICompatibleDescriptor } from './openai-compatible/descriptor';

export type { ProviderDescriptor } from './descriptor';

export const DESCRIPTORS: Readonly<Record<ProviderId, ProviderDescriptor>> = {
  openai: openAIDescriptor,
  'azure-openai': azureOpenAIDescriptor,
  'openai-compatible': openAICompatibleDescriptor,
  anthropic: anthropicDescriptor,
  gemini: geminiDescriptor,
  bedrock: bedrockDescriptor,
  cohere: cohereDescriptor,
  ollama: ollamaDescriptor,
  mistral: mistralDescriptor,
};

/** One field of every descriptor, keyed by provider. */
export function mapDescriptors<T>(pick: (d: ProviderDescriptor) => T): Record<ProviderId, T> {
  return Object.fromEntries(Object.entries(DESCRIPTORS).map(([id, d]) => [id, pick(d)])) as Record<ProviderId, T>;
}
