// Where each provider's credentials may be sent by default: the provider's
// own API hosts. A secret may add hosts of its own (`allowedHosts`: a proxy,
// a self-hosted server); every other host is refused, when an endpoint is
// saved and again in the data plane before a credential goes out. Plain data:
// `*` stands for exactly one DNS label.
import type { ProviderId } from '../contract';
import { normalizeHost } from './outbound-policy';

export const OFFICIAL_HOSTS: Record<ProviderId, readonly string[]> = {
  openai: ['api.openai.com'],
  'azure-openai': ['*.openai.azure.com', '*.cognitiveservices.azure.com', '*.services.ai.azure.com'],
  anthropic: ['api.anthropic.com'],
  gemini: ['generativelanguage.googleapis.com'],
  bedrock: ['bedrock-runtime.*.amazonaws.com', 'bedrock-runtime-fips.*.amazonaws.com', 'bedrock-runtime.*.amazonaws.com.cn'],
  cohere: ['api.cohere.com', 'api.cohere.ai'],
  mistral: ['api.mistral.ai'],
  // Self-hosted by nature: a key is sent only to the hosts its secret lists.
  'openai-compatible': [],
  ollama: [],
};

export function hostMatches(pattern: string, hostname: string): boolean {
  const host = normalizeHost(hostname).split('.');
  const want = pattern.toLowerCase().split('.');
  return host.length === want.length && want.every((label, i) => label === '*' || label === host[i]);
}

/** Whether a credential of `provider`'s secret may be sent to `hostname`. */
export function credentialHostAllowed(provider: ProviderId, extra: readonly string[] | undefined, hostname: string): boolean {
  return [...(OFFICIAL_HOSTS[provider] ?? []), ...(extra ?? [])].some((p) => hostMatches(p, hostname));
}
