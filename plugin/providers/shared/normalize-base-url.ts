// One rule for `options.baseUrl`, every provider: paste the base URL your
// provider's SDK or documentation shows, with or without its API version, and
// it works. Providers document it in two shapes (OpenAI's SDK takes
// `https://api.openai.com/v1`, Anthropic's takes `https://api.anthropic.com`),
// so one fixed shape would be wrong for half of them. The gateway keeps the
// shape it appends its own paths to:
//   - "versioned" providers (OpenAI's wire format): the URL up to the version
//     (`.../v1`); a bare host gets `/v1`;
//   - "root" providers: the URL before the version; a version segment (or the
//     native API prefix) the gateway appends itself is taken off, so
//     `https://api.anthropic.com/v1` does not become `/v1/v1/messages`.
// Applied when an endpoint is saved (the stored form is the normalized one)
// and again when a data plane indexes its configuration (older endpoints).
import type { DestinationOptions, ProviderId } from '../../contract';
import type { BaseUrlRule } from '../descriptor';
import { mapDescriptors } from '../descriptors';

export type { BaseUrlRule } from '../descriptor';

/** Each provider's rule, from its descriptor (`<id>/descriptor.ts`). */
export const BASE_URL_RULES: Record<ProviderId, BaseUrlRule> = mapDescriptors((d) => d.baseUrl);

/** What is wrong with a base URL for `provider`, whatever its shape (undefined: nothing). */
export function baseUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials (they belong in the secret)';
  if (url.search || url.hash) return 'must not have a query or a fragment (the gateway adds what the provider needs, e.g. api-version)';
  return undefined;
}

/** The stored shape of `raw` for `provider` (see the rule above); `raw` must have passed baseUrlProblem. */
export function normalizeBaseUrl(provider: ProviderId, raw: string): string {
  const rule = BASE_URL_RULES[provider];
  const url = new URL(raw);
  let path = url.pathname.replace(/\/+$/, '');
  if (rule.shape === 'versioned') {
    if (path === '') path = '/v1';
  } else {
    const suffix = rule.suffixes.find((s) => s.test(path));
    if (suffix) path = path.replace(suffix, '');
  }
  return `${url.protocol}//${url.host}${path}`;
}

/** Options with their base URL in the stored shape; Gemini's version segment moves into apiVersion (unless one is set). */
export function normalizeDestinationOptions<T extends Pick<DestinationOptions, 'baseUrl' | 'apiVersion'> | Record<string, unknown>>(
  provider: ProviderId,
  options: T,
): T {
  const raw = options.baseUrl;
  if (typeof raw !== 'string' || baseUrlProblem(raw) !== undefined) return options;
  const baseUrl = normalizeBaseUrl(provider, raw);
  const version =
    provider === 'gemini' && options.apiVersion === undefined ? /\/(v1(?:alpha|beta)?)(?:\/openai)?\/*$/.exec(new URL(raw).pathname)?.[1] : undefined;
  return { ...options, baseUrl, ...(version ? { apiVersion: version } : {}) };
}
