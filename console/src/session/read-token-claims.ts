// Reads a JWT's claims for the UI only (which role to draw, when it expires).
// The control plane verifies the signature on every call; nothing here is trusted.

export type Role = 'admin' | 'viewer' | 'dataplane';

export interface TokenClaims {
  sub: string;
  role: string;
  /** Expiry in ms since the epoch, when the token has one. */
  expiresAt?: number;
}

export function readTokenClaims(token: string): TokenClaims | { problem: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { problem: 'This is not a JWT: a token has three dot-separated parts. Paste the whole output of `npm run token`.' };
  let payload: unknown;
  try {
    const base64 = parts[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0)));
    payload = JSON.parse(json);
  } catch {
    return { problem: 'This is not a JWT: its payload is not base64url-encoded JSON.' };
  }
  if (typeof payload !== 'object' || payload === null) return { problem: 'This is not a JWT: its payload is not a JSON object.' };
  const claims = payload as Record<string, unknown>;
  return {
    sub: typeof claims.sub === 'string' ? claims.sub : '',
    role: typeof claims.role === 'string' ? claims.role : '',
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
  };
}
