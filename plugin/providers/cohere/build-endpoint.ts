import { GatewayError, type Target } from '../contract';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const COHERE_DEFAULT_BASE_URL = BASE_URL_RULES.cohere.default!;

const OWN_HEADERS = new Set(['content-type', 'authorization', 'accept']);

export function cohereUrl(target: Target, path: '/v2/chat' | '/v2/embed'): string {
  return `${(target.options.baseUrl ?? COHERE_DEFAULT_BASE_URL).replace(/\/+$/, '')}${path}`;
}

export function cohereHeaders(target: Target, accept = 'application/json'): Record<string, string> {
  const key = target.credentials.apiKey;
  if (!key) throw new GatewayError('The Cohere destination has no API key configured', 500, 'server_error', 'gateway_misconfigured', null);
  const extra = Object.entries(target.options.headers ?? {}).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  return { ...Object.fromEntries(extra), 'content-type': 'application/json', accept, authorization: `Bearer ${key}` };
}
