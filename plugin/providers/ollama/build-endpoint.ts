import type { Target } from '../contract';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const OLLAMA_DEFAULT_BASE_URL = BASE_URL_RULES.ollama.default!;

const OWN_HEADERS = new Set(['content-type', 'authorization']);

export function ollamaUrl(target: Target, path: '/api/chat' | '/api/embed'): string {
  return `${(target.options.baseUrl ?? OLLAMA_DEFAULT_BASE_URL).replace(/\/+$/, '')}${path}`;
}

/** Ollama has no auth; a key is sent as a bearer token for ollama.com or an authenticating proxy. */
export function ollamaHeaders(target: Target): Record<string, string> {
  const extra = Object.entries(target.options.headers ?? {}).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  const headers: Record<string, string> = { ...Object.fromEntries(extra), 'content-type': 'application/json' };
  if (target.credentials.apiKey) headers.authorization = `Bearer ${target.credentials.apiKey}`;
  return headers;
}
