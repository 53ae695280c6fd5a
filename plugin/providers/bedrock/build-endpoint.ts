// Where a Bedrock destination lives and how it authenticates.
import type { Target } from '../contract';
import { GatewayError } from '../contract';

/** Region of the destination: options first, then the credentials' region. */
export function bedrockRegion(target: Target): string {
  const region = target.options.region ?? target.credentials.region;
  if (!region) {
    throw new GatewayError('The Bedrock destination has no region configured', 500, 'server_error', 'gateway_misconfigured', null);
  }
  return region;
}

export function bedrockBaseUrl(target: Target): string {
  const base = target.options.baseUrl ?? `https://bedrock-runtime.${bedrockRegion(target)}.amazonaws.com`;
  return base.replace(/\/+$/, '');
}

/**
 * Model ids can be plain (`anthropic.claude-3-5-sonnet-20240620-v1:0`),
 * inference profiles (`us.anthropic...`) or ARNs with `:` and `/`
 * (`arn:aws:bedrock:us-east-1:123:inference-profile/us.meta...`); the path
 * segment is percent-encoded as the AWS SDKs do.
 */
export function bedrockModelUrl(target: Target, action: 'converse' | 'converse-stream' | 'invoke'): string {
  return `${bedrockBaseUrl(target)}/model/${encodeURIComponent(target.model)}/${action}`;
}

const OWN_HEADERS = new Set(['content-type', 'accept', 'authorization', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']);

/**
 * Headers before signing. A Bedrock API key (`credentials.apiKey`) is sent as
 * a bearer token and the request is not SigV4-signed; otherwise sign() adds
 * the SigV4 headers.
 */
export function bedrockHeaders(target: Target, accept: string): Record<string, string> {
  const extra = Object.entries(target.options.headers ?? {}).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  const headers: Record<string, string> = { ...Object.fromEntries(extra), 'content-type': 'application/json', accept };
  if (target.credentials.apiKey && !target.credentials.accessKeyId) headers.authorization = `Bearer ${target.credentials.apiKey}`;
  return headers;
}
