// A destination's baseUrl or a budget's webhookUrl, checked when saved
// against the outbound policy (plugin/upstream/outbound-policy.ts): as
// written, and as its name resolves now (briefly; an unresolvable name is
// left to the connect-time check, which also catches a name that changes
// its answer later).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressRefusal, normalizeHost, urlRefusal, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';

const RESOLVE_WAIT_MS = 500;

export async function outboundUrlProblem(raw: string, policy: OutboundPolicy): Promise<string | undefined> {
  const written = urlRefusal(raw, policy);
  if (written) return written;
  const host = normalizeHost(new URL(raw).hostname);
  if (isIP(host)) return undefined;
  const addresses = await Promise.race([
    lookup(host, { all: true }).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), RESOLVE_WAIT_MS).unref()),
  ]);
  for (const a of addresses) {
    const refusal = addressRefusal(a.address, policy);
    if (refusal) return `${host} resolves to ${refusal}`;
  }
  return undefined;
}
