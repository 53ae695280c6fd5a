// Where the gateway may send requests it makes on an admin's say-so (a
// destination's baseUrl, a budget's webhookUrl): http and https only; never
// link-local or cloud-metadata addresses, "this network", multicast or
// reserved ranges; loopback and private ranges only when the operator allows
// them by environment (`loopback`, `private`: GATEWAY_OUTBOUND_ALLOW for the
// control plane, LLM_GATEWAY_OUTBOUND_ALLOW for the plugin). Checked when a
// URL is saved and again for the address actually dialled (a name can
// resolve elsewhere later: DNS rebinding), through `checkedLookup`.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { buildConnector } from './undici-parts';

export interface OutboundPolicy {
  loopback: boolean;
  private: boolean;
}

export const STRICT: OutboundPolicy = { loopback: false, private: false };

export function outboundPolicyFrom(value: string | undefined): OutboundPolicy {
  const allowed = new Set(
    (value ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const a of allowed) if (a !== 'loopback' && a !== 'private') throw new Error(`outbound allowance '${a}' is not one of loopback, private`);
  return { loopback: allowed.has('loopback'), private: allowed.has('private') };
}

type Range = [address: string, prefix: number, family: 'ipv4' | 'ipv6'];

function blockList(ranges: Range[]): BlockList {
  const list = new BlockList();
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
  return list;
}

// Cloud instance metadata: AWS/Azure/GCP/Oracle/DigitalOcean (169.254.169.254), AWS IPv6,
// GCP IPv6, Alibaba, Azure's wire server.
const METADATA = blockList([
  ['169.254.169.254', 32, 'ipv4'],
  ['fd00:ec2::254', 128, 'ipv6'],
  ['fd20:ce::254', 128, 'ipv6'],
  ['100.100.100.200', 32, 'ipv4'],
  ['168.63.129.16', 32, 'ipv4'],
]);
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

const NEVER = blockList([
  ['169.254.0.0', 16, 'ipv4'], // link-local
  ['fe80::', 10, 'ipv6'],
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['::', 128, 'ipv6'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['ff00::', 8, 'ipv6'],
]);
const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['fc00::', 7, 'ipv6'], // unique local
]);

export type AddressClass = 'metadata' | 'link-local or reserved' | 'loopback' | 'private' | 'public';

export function classifyAddress(ip: string): AddressClass {
  const address = ip.replace(/^\[|\]$/g, '');
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (METADATA.check(address, family)) return 'metadata';
  if (NEVER.check(address, family)) return 'link-local or reserved';
  if (LOOPBACK.check(address, family)) return 'loopback';
  if (PRIVATE.check(address, family)) return 'private';
  return 'public';
}

/** Why the policy refuses this address, or undefined. */
export function addressRefusal(ip: string, policy: OutboundPolicy): string | undefined {
  const cls = classifyAddress(ip);
  if (cls === 'public') return undefined;
  if (cls === 'loopback' && policy.loopback) return undefined;
  if (cls === 'private' && policy.private) return undefined;
  const hint = cls === 'loopback' || cls === 'private' ? ` (an operator can allow ${cls} addresses by environment)` : '';
  return `${ip} is a ${cls} address${hint}`;
}

/** Lower case, no brackets, no trailing dot. */
export function normalizeHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** Why the policy refuses this URL as it is written (scheme, literal address, known names), or undefined. */
export function urlRefusal(raw: string, policy: OutboundPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme '${url.protocol.replace(/:$/, '')}' is not allowed (http or https only)`;
  if (url.username || url.password) return 'must not carry credentials';
  const host = normalizeHost(url.hostname);
  if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata service`;
  if (isLocalhostName(host)) return policy.loopback ? undefined : `${host} is a loopback address (an operator can allow loopback addresses by environment)`;
  if (isIP(host)) return addressRefusal(host, policy);
  return undefined;
}

/** Whether `host` (a name or a literal address) is on this machine: only meaningful where loopback is allowed. */
export function isLoopbackHost(hostname: string): boolean {
  const host = normalizeHost(hostname);
  return isLocalhostName(host) || (isIP(host) !== 0 && classifyAddress(host) === 'loopback');
}

export class OutboundRefused extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connect (undici's `connect` option): resolves as
 * usual and refuses when any resolved address is refused, so the address
 * dialled is the address checked.
 */
export function checkedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number; hints?: number }, callback: LookupCallback): void => {
    const host = normalizeHost(hostname);
    if (METADATA_NAMES.has(host)) return callback(new OutboundRefused(`${host} is a cloud metadata service`), '');
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (err, addresses) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const refusal = addressRefusal(a.address, policy);
        if (refusal) return callback(new OutboundRefused(`${hostname} resolves to ${refusal}`), '');
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An undici connector that dials only what the policy allows: names through
 * `checkedLookup`, literal addresses checked here. With `http2`, TLS
 * connections offer h2 first by ALPN (the server still chooses); without, only
 * HTTP/1.1 (undici 8 would otherwise offer h2 by default).
 */
export function checkedConnector(policy: OutboundPolicy, { http2 = false }: { http2?: boolean } = {}): BuildConnector.connector {
  const base = buildConnector({ lookup: checkedLookup(policy), allowH2: http2, ...(http2 ? { preferH2: true } : {}) } as BuildConnector.BuildOptions);
  return (options, callback) => {
    const host = normalizeHost(options.hostname);
    const refusal = isIP(host) ? addressRefusal(host, policy) : undefined;
    if (refusal) return callback(new OutboundRefused(refusal), null);
    return base(options, callback);
  };
}
