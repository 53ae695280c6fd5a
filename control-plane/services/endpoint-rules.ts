// Cross-field rules for endpoints that a JSON schema cannot express, each
// failure naming the field. Pure: secret lookups are passed in.
import type { FallbackTrigger, PriceOverride, ProviderId } from '../../plugin/contract';
import { ApiError, type ErrorDetail } from '../errors';
import type { DestinationDoc, EndpointDoc } from '../models/endpoint.model';
import { CREDENTIAL_FIELDS, PROVIDERS_WITHOUT_SECRET } from './provider-credentials';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** 4xx is opt-in: a client error usually fails the same way everywhere. */
export const DEFAULT_TRIGGERS: FallbackTrigger[] = ['429', '5xx', 'timeout', 'connection'];
/** Loop breaker: repeats are remembered for a day (a run's default lifetime), calls counted per minute. */
export const DEFAULT_REPEAT_WINDOW_SECONDS = 86_400;
export const DEFAULT_CALL_WINDOW_SECONDS = 60;
export const DEFAULT_SHADOW_CONCURRENCY = 4;
export const DEFAULT_SHADOW_DESTINATION_ID = 'shadow';

export interface DestinationInput {
  id: string;
  provider: ProviderId;
  model: string;
  secret?: string;
  options?: Record<string, unknown>;
  weight: number;
  timeoutMs?: number;
  price?: PriceOverride;
}

export interface EndpointInput {
  name?: string;
  kind: 'chat' | 'embeddings';
  destinations: DestinationInput[];
  stickiness?: { by: 'user' | 'header'; header?: string };
  fallback?: { chain?: string[]; maxAttempts?: number; triggers?: FallbackTrigger[] };
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number; per?: 'endpoint' | 'user' | 'run' };
  runs?: { header?: string; traceparent?: boolean };
  loopBreaker?: { maxRepeats?: number; repeatWindowSeconds?: number; maxCalls?: number; callWindowSeconds?: number };
  shadow?: { destination: Omit<DestinationInput, 'id' | 'weight'> & { id?: string }; percent: number; countBudgets?: boolean; maxConcurrent?: number };
  enabled?: boolean;
  logPayloads?: boolean;
}

export type NormalizedEndpoint = Omit<EndpointDoc, '_id' | 'name' | 'version' | 'createdAt' | 'updatedAt'>;

export interface SecretRef {
  id: string;
  provider: string;
  fields: string[];
}

export async function normalizeEndpoint(input: EndpointInput, resolveSecret: (ref: string) => Promise<SecretRef | null>): Promise<NormalizedEndpoint> {
  const details: ErrorDetail[] = [];
  const fail = (field: string, message: string) => details.push({ field, message });

  const ids = new Set<string>();
  input.destinations.forEach((d, i) => {
    if (ids.has(d.id)) fail(`destinations[${i}].id`, `'${d.id}' is used by another destination of this endpoint`);
    ids.add(d.id);
  });
  const weightSum = input.destinations.reduce((sum, d) => sum + d.weight, 0);
  if (weightSum !== 100) fail('destinations', `weights must sum to 100 (they sum to ${weightSum})`);

  const destinations: DestinationDoc[] = [];
  for (const [i, d] of input.destinations.entries()) {
    destinations.push(await normalizeDestination(d, `destinations[${i}]`, resolveSecret, fail));
  }
  let shadow: EndpointDoc['shadow'];
  if (input.shadow) {
    const d = { ...input.shadow.destination, id: input.shadow.destination.id ?? DEFAULT_SHADOW_DESTINATION_ID, weight: 0 };
    if (input.kind !== 'chat') fail('shadow', 'only chat endpoints can shadow their traffic');
    if (ids.has(d.id)) fail('shadow.destination.id', `'${d.id}' is the id of one of the endpoint's destinations; a shadow needs an id of its own`);
    shadow = {
      destination: await normalizeDestination(d, 'shadow.destination', resolveSecret, fail),
      percent: input.shadow.percent,
      countBudgets: input.shadow.countBudgets ?? false,
      maxConcurrent: input.shadow.maxConcurrent ?? DEFAULT_SHADOW_CONCURRENCY,
    };
  }
  const lb = input.loopBreaker;
  if (lb && lb.maxRepeats === undefined && lb.maxCalls === undefined) fail('loopBreaker', 'set maxRepeats, maxCalls or both');

  const chain = input.fallback?.chain ?? [];
  chain.forEach((id, i) => {
    if (!ids.has(id)) fail(`fallback.chain[${i}]`, `'${id}' is not a destination id of this endpoint`);
  });
  if (input.stickiness?.by === 'header' && !input.stickiness.header) {
    fail('stickiness.header', 'is required when stickiness.by is "header"');
  }

  if (details.length) {
    throw new ApiError(400, 'validation_failed', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
  return {
    kind: input.kind,
    destinations,
    ...(input.stickiness ? { stickiness: input.stickiness } : {}),
    fallback: {
      chain,
      maxAttempts: input.fallback?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      triggers: [...new Set(input.fallback?.triggers ?? DEFAULT_TRIGGERS)],
    },
    ...(input.rateLimits ? { rateLimits: input.rateLimits } : {}),
    ...(input.runs ? { runs: { ...(input.runs.header ? { header: input.runs.header.toLowerCase() } : {}), traceparent: input.runs.traceparent ?? true } } : {}),
    ...(lb
      ? {
          loopBreaker: {
            ...(lb.maxRepeats !== undefined ? { maxRepeats: lb.maxRepeats } : {}),
            repeatWindowSeconds: lb.repeatWindowSeconds ?? DEFAULT_REPEAT_WINDOW_SECONDS,
            ...(lb.maxCalls !== undefined ? { maxCalls: lb.maxCalls } : {}),
            callWindowSeconds: lb.callWindowSeconds ?? DEFAULT_CALL_WINDOW_SECONDS,
          },
        }
      : {}),
    ...(shadow ? { shadow } : {}),
    enabled: input.enabled ?? true,
    logPayloads: input.logPayloads ?? false,
  };
}

async function normalizeDestination(
  d: DestinationInput,
  field: string,
  resolveSecret: (ref: string) => Promise<SecretRef | null>,
  fail: (field: string, message: string) => void,
): Promise<DestinationDoc> {
  let secretId: string | undefined;
  if (d.secret === undefined) {
    if (!PROVIDERS_WITHOUT_SECRET.has(d.provider)) fail(`${field}.secret`, `is required for provider ${d.provider}`);
  } else {
    const secret = await resolveSecret(d.secret);
    if (!secret) fail(`${field}.secret`, `secret '${d.secret}' does not exist`);
    else if (!secretFits(d.provider, secret)) fail(`${field}.secret`, `secret '${d.secret}' is for provider ${secret.provider}, not ${d.provider}`);
    else secretId = secret.id;
  }
  return {
    id: d.id,
    provider: d.provider,
    model: d.model,
    ...(secretId ? { secret: secretId } : {}),
    options: d.options ?? {},
    weight: d.weight,
    timeoutMs: d.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(d.price ? { price: d.price } : {}),
  };
}

/** A secret fits when it is for the same provider or carries exactly the fields that provider needs. */
function secretFits(provider: ProviderId, secret: SecretRef): boolean {
  if (secret.provider === provider) return true;
  const rule = CREDENTIAL_FIELDS[provider];
  return rule.required.every((f) => secret.fields.includes(f)) && secret.fields.every((f) => rule.required.includes(f) || rule.optional.includes(f));
}
