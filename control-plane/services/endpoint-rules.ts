// Cross-field rules for endpoints that a JSON schema cannot express, each
// failure naming the field. Pure: secret lookups are passed in.
import type { FallbackTrigger, PriceOverride, ProviderId } from '../../plugin/contract';
import { baseUrlProblem, normalizeDestinationOptions } from '../../plugin/providers/shared/normalize-base-url';
import { ApiError, type ErrorDetail } from '../errors';
import type { DestinationDoc, EndpointDoc } from '../models/endpoint.model';
import { extraHeaderProblems } from '../../plugin/upstream/check-extra-headers';
import { isLoopbackHost, normalizeHost, STRICT, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';
import { credentialHostAllowed, OFFICIAL_HOSTS } from '../../plugin/upstream/provider-hosts';
import { outboundUrlProblem } from './check-outbound-url';
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
  /** Hosts besides the provider's own its credentials may be sent to. */
  allowedHosts?: string[];
}

export async function normalizeEndpoint(
  input: EndpointInput,
  resolveSecret: (ref: string) => Promise<SecretRef | null>,
  policy: OutboundPolicy = STRICT,
): Promise<NormalizedEndpoint> {
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
    destinations.push(await normalizeDestination(d, `destinations[${i}]`, resolveSecret, fail, policy));
  }
  let shadow: EndpointDoc['shadow'];
  if (input.shadow) {
    const d = { ...input.shadow.destination, id: input.shadow.destination.id ?? DEFAULT_SHADOW_DESTINATION_ID, weight: 0 };
    if (input.kind !== 'chat') fail('shadow', 'only chat endpoints can shadow their traffic');
    if (ids.has(d.id)) fail('shadow.destination.id', `'${d.id}' is the id of one of the endpoint's destinations; a shadow needs an id of its own`);
    shadow = {
      destination: await normalizeDestination(d, 'shadow.destination', resolveSecret, fail, policy),
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
  policy: OutboundPolicy,
): Promise<DestinationDoc> {
  let secretId: string | undefined;
  const baseUrl = typeof d.options?.baseUrl === 'string' ? d.options.baseUrl : undefined;
  const urlProblem = baseUrl === undefined ? undefined : await outboundUrlProblem(baseUrl, policy);
  if (urlProblem) fail(`${field}.options.baseUrl`, urlProblem);
  if (d.secret === undefined) {
    if (!PROVIDERS_WITHOUT_SECRET.has(d.provider)) fail(`${field}.secret`, `is required for provider ${d.provider}`);
  } else {
    const secret = await resolveSecret(d.secret);
    if (!secret) fail(`${field}.secret`, `secret '${d.secret}' does not exist`);
    else if (!secretFits(d.provider, secret)) {
      fail(`${field}.secret`, `secret '${d.secret}' is for provider ${secret.provider}, not ${d.provider}`);
    } else {
      secretId = secret.id;
      const host = baseUrl !== undefined && !urlProblem ? new URL(baseUrl).hostname : undefined;
      if (host !== undefined && !secretMayGoTo(d.provider, secret, host, policy)) {
        fail(
          `${field}.options.baseUrl`,
          `secret '${d.secret}' may be sent only to ${d.provider}'s own hosts (${OFFICIAL_HOSTS[d.provider].join(', ') || 'none'}) and the hosts it lists in allowedHosts; add ${normalizeHost(host)} to the secret's allowedHosts to send it there`,
        );
      }
    }
  }
  // Policy first (it names credentials, schemes and addresses); then what the base-URL rule cannot use.
  const baseUrlIssue = baseUrl === undefined || urlProblem ? undefined : baseUrlProblem(baseUrl);
  if (baseUrlIssue) fail(`${field}.options.baseUrl`, baseUrlIssue);
  for (const p of extraHeaderProblems(d.options?.headers as Record<string, unknown> | undefined)) fail(`${field}.options.headers.${p.name}`, p.message);
  return {
    id: d.id,
    provider: d.provider,
    model: d.model,
    ...(secretId ? { secret: secretId } : {}),
    options: normalizeDestinationOptions(d.provider, d.options ?? {}),
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

/** The data plane applies the same rule before it attaches a credential (plugin/upstream/call.ts). */
export function secretMayGoTo(provider: ProviderId, secret: Pick<SecretRef, 'allowedHosts'>, host: string, policy: OutboundPolicy): boolean {
  return credentialHostAllowed(provider, secret.allowedHosts, host) || (policy.loopback && isLoopbackHost(host));
}
