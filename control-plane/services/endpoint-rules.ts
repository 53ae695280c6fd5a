// Cross-field rules for endpoints that a JSON schema cannot express, each
// failure naming the field. Pure: secret lookups are passed in.
import type { FallbackTrigger, PriceOverride, ProviderId } from '../../plugin/contract';
import { baseUrlProblem, normalizeDestinationOptions } from '../../plugin/providers/shared/normalize-base-url';
import { ApiError, type ErrorDetail } from '../errors';
import type { EndpointDoc } from '../models/endpoint.model';
import { extraHeaderProblems } from '../../plugin/upstream/check-extra-headers';
import { isLoopbackHost, normalizeHost, STRICT, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';
import { credentialHostAllowed, OFFICIAL_HOSTS } from '../../plugin/upstream/provider-hosts';
import { outboundUrlProblem } from './check-outbound-url';
import { CREDENTIAL_FIELDS, PROVIDERS_WITHOUT_SECRET } from './provider-credentials';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
/** 4xx is opt-in: a client error usually fails the same way everywhere. */
export const DEFAULT_TRIGGERS: FallbackTrigger[] = ['429', '5xx', 'timeout', 'connection'];

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
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number; per?: 'endpoint' | 'user' };
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

  const destinations: EndpointDoc['destinations'] = [];
  for (const [i, d] of input.destinations.entries()) {
    let secretId: string | undefined;
    const baseUrl = typeof d.options?.baseUrl === 'string' ? d.options.baseUrl : undefined;
    const urlProblem = baseUrl === undefined ? undefined : await outboundUrlProblem(baseUrl, policy);
    if (urlProblem) fail(`destinations[${i}].options.baseUrl`, urlProblem);
    if (d.secret === undefined) {
      if (!PROVIDERS_WITHOUT_SECRET.has(d.provider)) fail(`destinations[${i}].secret`, `is required for provider ${d.provider}`);
    } else {
      const secret = await resolveSecret(d.secret);
      if (!secret) fail(`destinations[${i}].secret`, `secret '${d.secret}' does not exist`);
      else if (!secretFits(d.provider, secret)) {
        fail(`destinations[${i}].secret`, `secret '${d.secret}' is for provider ${secret.provider}, not ${d.provider}`);
      } else {
        secretId = secret.id;
        const host = baseUrl !== undefined && !urlProblem ? new URL(baseUrl).hostname : undefined;
        if (host !== undefined && !secretMayGoTo(d.provider, secret, host, policy)) {
          fail(
            `destinations[${i}].options.baseUrl`,
            `secret '${d.secret}' may be sent only to ${d.provider}'s own hosts (${OFFICIAL_HOSTS[d.provider].join(', ') || 'none'}) and the hosts it lists in allowedHosts; add ${normalizeHost(host)} to the secret's allowedHosts to send it there`,
          );
        }
      }
    }
    // Policy first (it names credentials, schemes and addresses); then what the base-URL rule cannot use.
    const baseUrlIssue = baseUrl === undefined || urlProblem ? undefined : baseUrlProblem(baseUrl);
    if (baseUrlIssue) fail(`destinations[${i}].options.baseUrl`, baseUrlIssue);
    for (const p of extraHeaderProblems(d.options?.headers as Record<string, unknown> | undefined))
      fail(`destinations[${i}].options.headers.${p.name}`, p.message);
    destinations.push({
      id: d.id,
      provider: d.provider,
      model: d.model,
      ...(secretId ? { secret: secretId } : {}),
      options: normalizeDestinationOptions(d.provider, d.options ?? {}),
      weight: d.weight,
      timeoutMs: d.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(d.price ? { price: d.price } : {}),
    });
  }

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
    enabled: input.enabled ?? true,
    logPayloads: input.logPayloads ?? false,
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
