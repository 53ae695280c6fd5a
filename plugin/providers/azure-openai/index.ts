// Azure OpenAI: OpenAI's wire format behind per-deployment URLs.
//   POST https://<resource>.openai.azure.com/openai/deployments/<deployment>/chat/completions?api-version=<v>
//   api-key: <key>
// https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
// The deployment is options.deployment, else the destination's model. The
// host is options.baseUrl, else built from credentials.resource.
import type { Target } from '../contract';
import { GatewayError } from '../contract';
import type { CompatibleConfig } from '../openai-compatible';
import { createOpenAICompatibleProvider } from '../openai-compatible';

/** Latest GA data-plane inference version at the time of writing; options.apiVersion overrides. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export function azureUrl(target: Target, route: 'chat' | 'embeddings'): string {
  const resource = target.credentials.resource;
  const base = target.options.baseUrl ?? (resource ? `https://${resource}.openai.azure.com` : undefined);
  if (!base) {
    throw new GatewayError('Azure OpenAI destination needs credentials.resource or options.baseUrl', 500, 'server_error', 'gateway_misconfigured', null);
  }
  const deployment = target.options.deployment ?? target.model;
  const version = target.options.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  const path = route === 'chat' ? 'chat/completions' : 'embeddings';
  return `${base.replace(/\/+$/, '')}/openai/deployments/${encodeURIComponent(deployment)}/${path}?api-version=${encodeURIComponent(version)}`;
}

export const azureOpenAIConfig: CompatibleConfig = {
  id: 'azure-openai',
  name: 'Azure OpenAI',
  auth: { kind: 'header', name: 'api-key' },
  passUnknownFields: true,
  messageFields: 'openai',
  // Token limits pass through as the client sent them: which of max_tokens /
  // max_completion_tokens a deployment accepts depends on its model and the
  // api-version, which only the destination's configuration knows.
  params: {},
  url: azureUrl,
};

export const azureOpenAIProvider = createOpenAICompatibleProvider(azureOpenAIConfig);
