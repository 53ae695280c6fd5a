// Where each provider's credentials may be sent by default: the provider's
// own API hosts. A secret may add hosts of its own (`allowedHosts`: a proxy,
// a self-hosted server); every other host is refused, when an endpoint is
// saved and again in the data plane before a credential goes out. Plain data:
// `*` stands for exactly one DNS label.
import type { ProviderId } from '../contract';
import { mapDescriptors } from '../providers/descriptors';
import { normalizeHost } from './outbound-policy';

/** Each provider's own hosts, from its descriptor (`plugin/providers/<id>/descriptor.ts`). */
export const OFFICIAL_HOSTS: Record<ProviderId, readonly string[]> = mapDescriptors((d) => d.officialHosts);

export function hostMatches(pattern: string, hostname: string): boolean {
  const host = normalizeHost(hostname).split('.');
  const want = pattern.toLowerCase().split('.');
  return host.length === want.length && want.every((label, i) => label === '*' || label === host[i]);
}

/** Whether a credential of `provider`'s secret may be sent to `hostname`. */
export function credentialHostAllowed(provider: ProviderId, extra: readonly string[] | undefined, hostname: string): boolean {
  return [...OFFICIAL_HOSTS[provider], ...(extra ?? [])].some((p) => hostMatches(p, hostname));
}
