// What each provider needs from a person filling in a form: the secret's
// fields, whether a destination may go without a secret, and the destination
// options that matter. Keyed by the API's ProviderId, so a provider added to
// openapi.yaml fails the console's build until it is described here.
// (Secret fields mirror control-plane/services/provider-credentials.ts; a test checks they agree.)
import type { ProviderId } from './api/client';

export type SecretFieldName = 'apiKey' | 'resource' | 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'region';
export type OptionName = 'baseUrl' | 'apiVersion' | 'deployment' | 'region';

export interface OptionInfo {
  name: OptionName;
  label: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
}

export interface ProviderInfo {
  label: string;
  secretFields: { required: SecretFieldName[]; optional: SecretFieldName[] };
  /** Destinations of this provider may omit the secret. */
  secretOptional: boolean;
  options: OptionInfo[];
  modelPlaceholder: string;
}

export const SECRET_FIELD_LABELS: Record<SecretFieldName, string> = {
  apiKey: 'API key',
  resource: 'Azure resource name',
  accessKeyId: 'AWS access key ID',
  secretAccessKey: 'AWS secret access key',
  sessionToken: 'AWS session token',
  region: 'AWS region',
};

const baseUrl = (placeholder: string, required = false): OptionInfo => ({
  name: 'baseUrl',
  label: required ? 'Base URL' : 'Base URL (optional)',
  placeholder,
  required,
  ...(required ? {} : { hint: 'Leave empty for the provider’s public API.' }),
});
const apiKeyOnly = { required: ['apiKey'] as SecretFieldName[], optional: [] as SecretFieldName[] };

export const PROVIDERS: Record<ProviderId, ProviderInfo> = {
  openai: {
    label: 'OpenAI',
    secretFields: apiKeyOnly,
    secretOptional: false,
    options: [baseUrl('https://api.openai.com/v1')],
    modelPlaceholder: 'gpt-4o-mini',
  },
  'azure-openai': {
    label: 'Azure OpenAI',
    secretFields: { required: ['apiKey'], optional: ['resource'] },
    secretOptional: false,
    options: [
      {
        name: 'deployment',
        label: 'Deployment (optional)',
        placeholder: 'defaults to the model',
        hint: 'The Azure deployment name, when it differs from the model.',
      },
      { name: 'apiVersion', label: 'API version (optional)', placeholder: '2024-10-21' },
      { ...baseUrl('https://<resource>.openai.azure.com'), hint: 'Needed when the secret has no resource name.' },
    ],
    modelPlaceholder: 'gpt-4o',
  },
  'openai-compatible': {
    label: 'OpenAI-compatible server (vLLM, Groq, Together, DeepSeek…)',
    secretFields: apiKeyOnly,
    secretOptional: true,
    options: [baseUrl('http://127.0.0.1:8000/v1', true)],
    modelPlaceholder: 'meta-llama/Llama-3.1-8B-Instruct',
  },
  anthropic: {
    label: 'Anthropic',
    secretFields: apiKeyOnly,
    secretOptional: false,
    options: [baseUrl('https://api.anthropic.com'), { name: 'apiVersion', label: 'API version (optional)', placeholder: '2023-06-01' }],
    modelPlaceholder: 'claude-sonnet-4-5',
  },
  gemini: {
    label: 'Google Gemini (AI Studio)',
    secretFields: apiKeyOnly,
    secretOptional: false,
    options: [baseUrl('https://generativelanguage.googleapis.com'), { name: 'apiVersion', label: 'API version (optional)', placeholder: 'v1beta' }],
    modelPlaceholder: 'gemini-2.5-flash',
  },
  bedrock: {
    label: 'AWS Bedrock (Converse)',
    secretFields: { required: ['accessKeyId', 'secretAccessKey', 'region'], optional: ['sessionToken'] },
    secretOptional: false,
    options: [
      { name: 'region', label: 'Region (optional)', placeholder: 'the secret’s region', hint: 'Overrides the region stored in the secret.' },
      baseUrl('https://bedrock-runtime.<region>.amazonaws.com'),
    ],
    modelPlaceholder: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  },
  cohere: {
    label: 'Cohere (v2)',
    secretFields: apiKeyOnly,
    secretOptional: false,
    options: [baseUrl('https://api.cohere.com')],
    modelPlaceholder: 'command-r-plus',
  },
  mistral: {
    label: 'Mistral',
    secretFields: apiKeyOnly,
    secretOptional: false,
    options: [baseUrl('https://api.mistral.ai/v1')],
    modelPlaceholder: 'mistral-small-latest',
  },
  ollama: {
    label: 'Ollama (native /api/chat)',
    secretFields: { required: [], optional: ['apiKey'] },
    secretOptional: true,
    options: [baseUrl('http://127.0.0.1:11434')],
    modelPlaceholder: 'llama3.1',
  },
};

export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];
