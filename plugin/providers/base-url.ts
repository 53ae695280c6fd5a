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
import type { DestinationOptions, ProviderId } from '../contract';

export interface BaseUrlRule {
  /** Where requests go when options.baseUrl is not set (none: the destination must set it, or it comes from credentials). */
  default?: string;
  shape: 'versioned' | 'root';
  /** Path suffixes the gateway appends itself (root) or the version a bare host gets (versioned), most specific first. */
  suffixes: readonly RegExp[];
  /** Shown in the providers table (README) and in errors. */
  example: string;
}

export const BASE_URL_RULES: Record<ProviderId, BaseUrlRule> = {
  openai: { default: 'https://api.openai.com/v1', shape: 'versioned', suffixes: [], example: 'https://api.openai.com/v1' },
  mistral: { default: 'https://api.mistral.ai/v1', shape: 'versioned', suffixes: [], example: 'https://api.mistral.ai/v1' },
  'openai-compatible': { shape: 'versioned', suffixes: [], example: 'https://api.groq.com/openai/v1' },
  anthropic: { default: 'https://api.anthropic.com', shape: 'root', suffixes: [/\/v1$/], example: 'https://api.anthropic.com' },
  gemini: {
    default: 'https://generativelanguage.googleapis.com',
    shape: 'root',
    suffixes: [/\/v1(alpha|beta)?\/openai$/, /\/v1(alpha|beta)?$/],
    example: 'https://generativelanguage.googleapis.com',
  },
  cohere: { default: 'https://api.cohere.com', shape: 'root', suffixes: [/\/compatibility\/v1$/, /\/v[12]$/], example: 'https://api.cohere.com' },
  ollama: { default: 'http://127.0.0.1:11434', shape: 'root', suffixes: [/\/api$/, /\/v1$/], example: 'http://ollama.internal:11434' },
  'azure-openai': { shape: 'root', suffixes: [/\/openai\/deployments\/[^/]+$/, /\/openai(\/v1)?$/], example: 'https://my-resource.openai.azure.com' },
  bedrock: { shape: 'root', suffixes: [], example: 'https://bedrock-runtime.us-east-1.amazonaws.com' },
};

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
