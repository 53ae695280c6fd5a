// What a destination's extra `headers` may not contain. The control plane
// refuses them when an endpoint is saved; the data plane checks again before
// it calls a provider (a snapshot from an older control plane, or a database
// edited by hand, must not put them on the wire). Pure data and one check.
//
// - Authentication headers: credentials come from a secret, which is bound to
//   the hosts it may be sent to. A header would let an admin send anything
//   anywhere, or swap the secret's key for another.
// - Headers that frame the request or pick its target: the gateway sets them.
// - Names that are special to JavaScript objects.
// - Control characters in values (CR/LF/NUL...): header injection, and a
//   request the HTTP client refuses to send.

const AUTHENTICATION = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'x-amz-security-token',
  'ocp-apim-subscription-key',
  'cookie',
]);

/** Names that look like they carry a credential (x-portkey-api-key, x-auth-token, x-client-secret...). */
const CREDENTIAL_SHAPED = /(^|[-_])(api[-_]?key|apikey|auth|token|secret|password|passwd|credentials?|session)($|[-_])/i;

const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']);

const OBJECT_SPECIAL = new Set(['__proto__', 'constructor', 'prototype']);

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses in a header value
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export interface HeaderProblem {
  name: string;
  message: string;
}

export function extraHeaderProblems(headers: Record<string, unknown> | undefined): HeaderProblem[] {
  if (!headers) return [];
  const problems: HeaderProblem[] = [];
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (OBJECT_SPECIAL.has(lower)) problems.push({ name, message: 'is not allowed as a header name' });
    else if (AUTHENTICATION.has(lower) || CREDENTIAL_SHAPED.test(lower)) {
      problems.push({ name, message: "is an authentication header: credentials come from the destination's secret, never from headers" });
    } else if (FRAMING.has(lower)) problems.push({ name, message: 'is set by the gateway itself' });
    else if (typeof value !== 'string') problems.push({ name, message: 'must be a string' });
    else if (CONTROL.test(value)) problems.push({ name, message: 'must not contain control characters (CR, LF, NUL...)' });
  }
  return problems;
}
