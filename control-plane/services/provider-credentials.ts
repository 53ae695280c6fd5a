import type { ProviderId } from '../../plugin/contract';
import { DESCRIPTORS, mapDescriptors } from '../../plugin/providers/descriptors';
import { ApiError, type ErrorDetail } from '../errors';

interface FieldRule {
  required: string[];
  optional: string[];
}

// Which secret fields each provider takes (see Credentials in plugin/contract.ts), from its descriptor.
export const CREDENTIAL_FIELDS: Record<ProviderId, FieldRule> = mapDescriptors((d) => ({
  required: [...d.credentials.required],
  optional: [...d.credentials.optional],
}));

/** Providers whose destinations may omit `secret`. */
export const PROVIDERS_WITHOUT_SECRET: ReadonlySet<string> = new Set(Object.entries(DESCRIPTORS).flatMap(([id, d]) => (d.secretOptional ? [id] : [])));

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
