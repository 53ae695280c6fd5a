import type { ProviderId } from '../../plugin/contract';
import { ApiError, type ErrorDetail } from '../errors';

interface FieldRule {
  required: string[];
  optional: string[];
}

// Which secret fields each provider takes (see Credentials in plugin/contract.ts).
const apiKeyOnly: FieldRule = { required: ['apiKey'], optional: [] };
export const CREDENTIAL_FIELDS: Record<ProviderId, FieldRule> = {
  openai: apiKeyOnly,
  'openai-compatible': apiKeyOnly,
  anthropic: apiKeyOnly,
  gemini: apiKeyOnly,
  cohere: apiKeyOnly,
  mistral: apiKeyOnly,
  'azure-openai': { required: ['apiKey'], optional: ['resource'] },
  bedrock: { required: ['accessKeyId', 'secretAccessKey', 'region'], optional: ['sessionToken'] },
  // Ollama needs no key; one is accepted for instances behind an authenticating proxy.
  ollama: { required: [], optional: ['apiKey'] },
};

/** Providers whose destinations may omit `secret`. */
export const PROVIDERS_WITHOUT_SECRET: ReadonlySet<string> = new Set(['ollama', 'openai-compatible']);

export function checkCredentialFields(provider: ProviderId, value: Record<string, string>): void {
  const rule = CREDENTIAL_FIELDS[provider];
  const details: ErrorDetail[] = [];
  for (const f of rule.required) {
    if (typeof value[f] !== 'string' || value[f] === '') {
      details.push({ field: `value.${f}`, message: `is required for provider ${provider}` });
    }
  }
  for (const f of Object.keys(value)) {
    if (!rule.required.includes(f) && !rule.optional.includes(f)) {
      details.push({ field: `value.${f}`, message: `is not used by provider ${provider}` });
    }
  }
  if (details.length) {
    throw new ApiError(400, 'validation_failed', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
}

/** "****abcd" for long values; short values reveal nothing. */
/**
 * Enough of the key's tail to tell two keys apart, never enough to matter:
 * 4 characters of a long key (provider keys are 32-170 characters), 2 of a
 * shorter one, none below 20 (a short key has too little left to guess).
 */
export function maskedHint(value: Record<string, string>): string {
  const main = value.apiKey ?? value.secretAccessKey ?? '';
  const shown = main.length >= 32 ? 4 : main.length >= 20 ? 2 : 0;
  return `****${shown ? main.slice(-shown) : ''}`;
}
