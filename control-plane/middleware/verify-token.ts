// JWT verification. Algorithms are pinned per key type: an HS256 token is
// only checked against JWT_SECRET and an RS256 token only against
// JWT_PUBLIC_KEY, so neither "alg: none" nor HS256-signed-with-the-public-key
// confusion can pass.
import jwt from 'jsonwebtoken';
import type { ControlPlaneConfig } from '../config';
import { forbidden, unauthorized } from '../errors';
import type { Actor, Role } from '../services/actor';

const ROLES: ReadonlySet<string> = new Set<Role>(['admin', 'viewer', 'dataplane']);

export function verifyBearer(header: string | undefined, cfg: ControlPlaneConfig['jwt']): Omit<Actor, 'requestId'> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) throw unauthorized('Authorization: a "Bearer <JWT>" header is required');
  const token = match[1]!;

  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw unauthorized('Authorization: the bearer token is not a JWT');
  const alg = decoded.header.alg;
  const key = alg === 'HS256' ? cfg.secret : alg === 'RS256' ? cfg.publicKey : undefined;
  if (!key) throw unauthorized(`Authorization: JWT algorithm '${alg}' is not accepted`);

  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, key, {
      algorithms: [alg as jwt.Algorithm],
      audience: cfg.audience,
      ...(cfg.issuer ? { issuer: cfg.issuer } : {}),
    }) as jwt.JwtPayload;
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw unauthorized(`Authorization: the JWT expired at ${err.expiredAt.toISOString()}`);
    throw unauthorized(`Authorization: invalid JWT (${(err as Error).message})`);
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw unauthorized('Authorization: the JWT has no "sub" claim');
  const role = claims.role;
  if (typeof role !== 'string' || !ROLES.has(role)) {
    throw forbidden(`Authorization: role '${String(role)}' is not one of admin, viewer, dataplane`);
  }
  return { sub: claims.sub, role: role as Role };
}

export function signToken(cfg: ControlPlaneConfig['jwt'], claims: { sub: string; role: Role }, ttlSeconds: number): string {
  if (!cfg.secret) throw new Error('signing tokens needs JWT_SECRET (RS256 tokens are issued by your identity provider)');
  return jwt.sign({ role: claims.role }, cfg.secret, {
    algorithm: 'HS256',
    subject: claims.sub,
    audience: cfg.audience,
    expiresIn: ttlSeconds,
    ...(cfg.issuer ? { issuer: cfg.issuer } : {}),
  });
}
