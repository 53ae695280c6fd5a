import { failureOf } from '../api/client';
import { readTokenClaims, type TokenClaims } from './read-token-claims';

/**
 * Checks a pasted token before the console uses it: shape and expiry here
 * (for a clear message), then the control plane's verdict on a read that
 * admins and viewers may call.
 */
export async function verifyToken(raw: string, now = Date.now()): Promise<{ token: string; claims: TokenClaims } | { problem: string }> {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (!token) return { problem: 'Paste a token first.' };
  const claims = readTokenClaims(token);
  if ('problem' in claims) return claims;
  if (claims.expiresAt !== undefined && claims.expiresAt <= now) {
    return { problem: `This token expired at ${new Date(claims.expiresAt).toLocaleString()}. Create a new one (npm run token -- --role admin --sub you).` };
  }
  if (claims.role === 'dataplane') return { problem: 'This is a data-plane token. The console needs an admin or viewer token.' };

  let response: Response;
  try {
    response = await fetch('/api/v1/endpoints', { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    return { problem: `The control plane did not answer (${(err as Error).message}).` };
  }
  if (response.status === 401 || response.status === 403) {
    const failure = failureOf(response.status, await response.json().catch(() => undefined));
    return { problem: `The control plane refused this token: ${failure.message}` };
  }
  if (!response.ok) return { problem: `The control plane answered ${response.status}; try again.` };
  return { token, claims };
}
