// The endpoint form's state and its conversion to and from the API's
// Endpoint. Pure: the form component only renders a draft and edits it.
import type { Endpoint, EndpointInput, ProviderId, Schemas } from '../../api/client';
import { PROVIDERS, type OptionName } from '../../providers';

export type FallbackTrigger = Schemas['FallbackTrigger'];
export const TRIGGERS: Array<{ value: FallbackTrigger; label: string }> = [
  { value: 'timeout', label: 'Timeout' },
  { value: 'connection', label: 'Connection failure' },
  { value: '429', label: '429 (rate limited)' },
  { value: '5xx', label: '5xx (provider error)' },
  { value: '4xx', label: '4xx (client error; usually fails everywhere)' },
];
export const DEFAULT_TRIGGERS: FallbackTrigger[] = ['429', '5xx', 'timeout', 'connection'];

export interface DestinationDraft {
  /** Stable render key (ids can be edited). */
  key: number;
  id: string;
  provider: ProviderId;
  model: string;
  /** Secret id, or '' for none. */
  secret: string;
  options: Record<OptionName, string>;
  headers: Array<{ name: string; value: string }>;
  weight: number;
  timeoutMs: string;
  priceOverride: boolean;
  inputPerMTok: string;
  outputPerMTok: string;
}

export interface EndpointDraft {
  name: string;
  kind: 'chat' | 'embeddings';
  enabled: boolean;
  logPayloads: boolean;
  destinations: DestinationDraft[];
  stickiness: 'none' | 'user' | 'header';
  stickyHeader: string;
  chain: string[];
  maxAttempts: string;
  triggers: FallbackTrigger[];
  requestsPerMinute: string;
  tokensPerMinute: string;
  ratePer: 'endpoint' | 'user' | 'run';
  /** Agent-run settings this form does not edit, kept as they are on save (a PUT would drop them). */
  kept: Pick<EndpointInput, 'runs' | 'loopBreaker' | 'shadow'>;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
let nextKey = 1;

export function newDestination(index: number, weight: number): DestinationDraft {
  return {
    key: nextKey++,
    id: index === 0 ? 'primary' : `destination-${index + 1}`,
    provider: 'openai',
    model: '',
    secret: '',
    options: { baseUrl: '', apiVersion: '', deployment: '', region: '' },
    headers: [],
    weight,
    timeoutMs: '30000',
    priceOverride: false,
    inputPerMTok: '',
    outputPerMTok: '',
  };
}

export function emptyDraft(): EndpointDraft {
  return {
    name: '',
    kind: 'chat',
    enabled: true,
    logPayloads: false,
    destinations: [newDestination(0, 100)],
    stickiness: 'none',
    stickyHeader: '',
    chain: [],
    maxAttempts: '3',
    triggers: [...DEFAULT_TRIGGERS],
    requestsPerMinute: '',
    tokensPerMinute: '',
    ratePer: 'endpoint',
    kept: {},
  };
}

export function draftFromEndpoint(e: Endpoint): EndpointDraft {
  return {
    name: e.name,
    kind: e.kind,
    enabled: e.enabled,
    logPayloads: e.logPayloads,
    destinations: e.destinations.map((d) => ({
      key: nextKey++,
      id: d.id,
      provider: d.provider,
      model: d.model,
      secret: d.secret ?? '',
      options: {
        baseUrl: d.options.baseUrl ?? '',
        apiVersion: d.options.apiVersion ?? '',
        deployment: d.options.deployment ?? '',
        region: d.options.region ?? '',
      },
      headers: Object.entries(d.options.headers ?? {}).map(([name, value]) => ({ name, value })),
      weight: d.weight,
      timeoutMs: String(d.timeoutMs),
      priceOverride: d.price !== undefined,
      inputPerMTok: d.price ? String(d.price.inputPerMTok) : '',
      outputPerMTok: d.price ? String(d.price.outputPerMTok) : '',
    })),
    stickiness: e.stickiness?.by ?? 'none',
    stickyHeader: e.stickiness?.header ?? '',
    chain: [...e.fallback.chain],
    maxAttempts: String(e.fallback.maxAttempts),
    triggers: [...e.fallback.triggers],
    requestsPerMinute: e.rateLimits?.requestsPerMinute !== undefined ? String(e.rateLimits.requestsPerMinute) : '',
    tokensPerMinute: e.rateLimits?.tokensPerMinute !== undefined ? String(e.rateLimits.tokensPerMinute) : '',
    ratePer: e.rateLimits?.per ?? 'endpoint',
    kept: keptSettings(e),
  };
}

function keptSettings(e: Endpoint): EndpointDraft['kept'] {
  const kept: EndpointDraft['kept'] = {};
  if (e.runs) kept.runs = e.runs;
  if (e.loopBreaker) kept.loopBreaker = e.loopBreaker;
  if (e.shadow) {
    // The shadow destination as the API takes it back: no weight (it never takes client traffic).
    const { weight: _weight, ...destination } = e.shadow.destination;
    kept.shadow = { ...e.shadow, destination };
  }
  return kept;
}

export function weightSum(d: EndpointDraft): number {
  return d.destinations.reduce((sum, x) => sum + x.weight, 0);
}

/** Weights that sum to 100, as even as integers allow (the first ones get the remainder). */
export function evenWeights(count: number): number[] {
  const base = Math.floor(100 / count);
  return Array.from({ length: count }, (_, i) => base + (i < 100 - base * count ? 1 : 0));
}

/** Sets one weight; with exactly two destinations the other takes the rest, so the pair always sums to 100. */
export function setWeight(d: EndpointDraft, index: number, weight: number): EndpointDraft {
  const w = Math.max(0, Math.min(100, Math.round(weight)));
  const destinations = d.destinations.map((x, i) => (i === index ? { ...x, weight: w } : d.destinations.length === 2 ? { ...x, weight: 100 - w } : x));
  return { ...d, destinations };
}

/** Renaming a destination renames it in the fallback chain; removing it removes it there. */
export function renameDestination(d: EndpointDraft, index: number, id: string): EndpointDraft {
  const old = d.destinations[index]!.id;
  return {
    ...d,
    destinations: d.destinations.map((x, i) => (i === index ? { ...x, id } : x)),
    chain: d.chain.map((c) => (c === old ? id : c)),
  };
}

export function removeDestination(d: EndpointDraft, index: number): EndpointDraft {
  const gone = d.destinations[index]!.id;
  return { ...d, destinations: d.destinations.filter((_, i) => i !== index), chain: d.chain.filter((c) => c !== gone) };
}

export function moveInChain(d: EndpointDraft, index: number, by: -1 | 1): EndpointDraft {
  const to = index + by;
  if (to < 0 || to >= d.chain.length) return d;
  const chain = [...d.chain];
  [chain[index], chain[to]] = [chain[to]!, chain[index]!];
  return { ...d, chain };
}

function integer(value: string, field: string, errors: Record<string, string>, min: number, max: number): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) errors[field] = `must be a whole number from ${min} to ${max}`;
  return n;
}

function decimal(value: string, field: string, errors: Record<string, string>): number | undefined {
  if (value.trim() === '') {
    errors[field] = 'is required when the price is overridden';
    return undefined;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) errors[field] = 'must be a number of USD, 0 or more';
  return n;
}

/**
 * The API request for a draft, and the mistakes a person can fix before
 * sending it, keyed by the API's field paths. The API checks everything
 * again; its errors come back under the same keys.
 */
export function endpointFromDraft(d: EndpointDraft): { input: EndpointInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!NAME.test(d.name)) errors.name = 'letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit';
  const seen = new Set<string>();
  const destinations = d.destinations.map((x, i) => {
    const at = `destinations[${i}]`;
    if (!NAME.test(x.id)) errors[`${at}.id`] = 'letters, digits, ".", "_" or "-", starting with a letter or digit';
    else if (seen.has(x.id)) errors[`${at}.id`] = `'${x.id}' is used by another destination`;
    seen.add(x.id);
    if (!x.model.trim()) errors[`${at}.model`] = 'is required';
    const info = PROVIDERS[x.provider];
    if (!x.secret && !info.secretOptional) errors[`${at}.secret`] = `is required for ${info.label}`;
    const options: Record<string, unknown> = {};
    for (const opt of info.options) {
      const value = x.options[opt.name].trim();
      if (value) options[opt.name] = value;
      else if (opt.required) errors[`${at}.options.${opt.name}`] = `is required for ${info.label}`;
    }
    const headers: Record<string, string> = {};
    x.headers.forEach((h, j) => {
      if (!h.name && !h.value) return;
      if (!HEADER.test(h.name)) errors[`${at}.options.headers[${j}]`] = "a header name is letters, digits and !#$%&'*+.^_`|~-";
      else headers[h.name] = h.value;
    });
    if (Object.keys(headers).length) options.headers = headers;
    const timeoutMs = integer(x.timeoutMs, `${at}.timeoutMs`, errors, 100, 600_000);
    const price = x.priceOverride
      ? {
          inputPerMTok: decimal(x.inputPerMTok, `${at}.price.inputPerMTok`, errors) ?? 0,
          outputPerMTok: decimal(x.outputPerMTok, `${at}.price.outputPerMTok`, errors) ?? 0,
        }
      : undefined;
    return {
      id: x.id,
      provider: x.provider,
      model: x.model.trim(),
      ...(x.secret ? { secret: x.secret } : {}),
      ...(Object.keys(options).length ? { options } : {}),
      weight: x.weight,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(price ? { price } : {}),
    };
  });
  const sum = weightSum(d);
  if (sum !== 100) errors.destinations = `weights must sum to 100 (they sum to ${sum})`;
  if (d.stickiness === 'header' && !HEADER.test(d.stickyHeader)) errors['stickiness.header'] = 'a header name is required when sticking by header';
  const maxAttempts = integer(d.maxAttempts, 'fallback.maxAttempts', errors, 1, 10);
  const rpm = integer(d.requestsPerMinute, 'rateLimits.requestsPerMinute', errors, 1, 100_000_000);
  const tpm = integer(d.tokensPerMinute, 'rateLimits.tokensPerMinute', errors, 1, 100_000_000_000);

  const input: EndpointInput = {
    name: d.name,
    kind: d.kind,
    enabled: d.enabled,
    logPayloads: d.logPayloads,
    destinations,
    ...(d.stickiness !== 'none' ? { stickiness: d.stickiness === 'header' ? { by: 'header', header: d.stickyHeader } : { by: 'user' } } : {}),
    fallback: { chain: d.chain, ...(maxAttempts !== undefined ? { maxAttempts } : {}), triggers: d.triggers },
    ...(rpm !== undefined || tpm !== undefined
      ? { rateLimits: { ...(rpm !== undefined ? { requestsPerMinute: rpm } : {}), ...(tpm !== undefined ? { tokensPerMinute: tpm } : {}), per: d.ratePer } }
      : {}),
    ...d.kept,
  };
  return { input, errors };
}
