// AWS Signature Version 4 for Bedrock Runtime (service name `bedrock`), with
// the signing time injected so signatures are reproducible in tests.
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { GatewayError, type Target, type UpstreamRequest } from '../contract';
import { bedrockRegion } from './build-endpoint';

export const BEDROCK_SIGNING_SERVICE = 'bedrock';

/** AWS's signer, loaded with the first Bedrock request: with @smithy's shared modules it would add ~15-20 ms to every data-plane worker's start. */
function awsSigner(): { SignatureV4: typeof import('@smithy/signature-v4').SignatureV4; Sha256: typeof import('@aws-crypto/sha256-js').Sha256 } {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
  return {
    SignatureV4: (require('@smithy/signature-v4') as typeof import('@smithy/signature-v4')).SignatureV4,
    Sha256: (require('@aws-crypto/sha256-js') as typeof import('@aws-crypto/sha256-js')).Sha256,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export async function signBedrockRequest(req: UpstreamRequest, target: Target, now: Date): Promise<UpstreamRequest> {
  const { accessKeyId, secretAccessKey, sessionToken, apiKey } = target.credentials;
  if (!accessKeyId || !secretAccessKey) {
    // A Bedrock API key travels as a bearer token set by buildRequest.
    if (apiKey) return req;
    throw new GatewayError('The Bedrock destination has no AWS credentials configured', 500, 'server_error', 'gateway_misconfigured', null);
  }
  const url = new URL(req.url);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => {
    query[key] = value;
  });
  const { SignatureV4, Sha256 } = awsSigner();
  const signer = new SignatureV4({
    service: BEDROCK_SIGNING_SERVICE,
    region: bedrockRegion(target),
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      // The path as sent on the wire (model ids already percent-encoded); the
      // signer encodes it once more for the canonical request, as AWS expects.
      path: url.pathname,
      query,
      headers: { ...req.headers, host: url.host },
      body: req.body,
    },
    { signingDate: now },
  );
  return { ...req, headers: signed.headers };
}
