import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { startHarness, type Harness, type Role } from './harness';

// Every operation in openapi.yaml with the roles that may call it.
const ROUTES: Array<{ method: 'get' | 'post' | 'put' | 'patch' | 'delete'; path: string; roles: Role[] }> = [
  { method: 'get', path: '/api/v1/secrets', roles: ['admin', 'viewer'] },
  { method: 'post', path: '/api/v1/secrets', roles: ['admin'] },
  { method: 'get', path: '/api/v1/secrets/x', roles: ['admin', 'viewer'] },
  { method: 'put', path: '/api/v1/secrets/x/value', roles: ['admin'] },
  { method: 'patch', path: '/api/v1/secrets/x', roles: ['admin'] },
  { method: 'delete', path: '/api/v1/secrets/x', roles: ['admin'] },
  { method: 'get', path: '/api/v1/endpoints', roles: ['admin', 'viewer'] },
  { method: 'post', path: '/api/v1/endpoints', roles: ['admin'] },
  { method: 'get', path: '/api/v1/endpoints/x', roles: ['admin', 'viewer'] },
  { method: 'put', path: '/api/v1/endpoints/x', roles: ['admin'] },
  { method: 'patch', path: '/api/v1/endpoints/x', roles: ['admin'] },
  { method: 'delete', path: '/api/v1/endpoints/x', roles: ['admin'] },
  { method: 'get', path: '/api/v1/budgets', roles: ['admin', 'viewer'] },
  { method: 'post', path: '/api/v1/budgets', roles: ['admin'] },
  { method: 'get', path: '/api/v1/budgets/x', roles: ['admin', 'viewer'] },
  { method: 'put', path: '/api/v1/budgets/x', roles: ['admin'] },
  { method: 'patch', path: '/api/v1/budgets/x', roles: ['admin'] },
  { method: 'delete', path: '/api/v1/budgets/x', roles: ['admin'] },
  { method: 'get', path: '/api/v1/budgets/x/spend', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/traces', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/traces/x', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/responses', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/responses/resp_x', roles: ['admin', 'viewer'] },
  { method: 'delete', path: '/api/v1/responses/resp_x', roles: ['admin'] },
  { method: 'get', path: '/api/v1/usage/summary', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/usage/shadow', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/usage/series', roles: ['admin', 'viewer'] },
  { method: 'get', path: '/api/v1/audit', roles: ['admin'] },
  { method: 'get', path: '/api/v1/telemetry/exporters', roles: ['admin', 'viewer'] },
  { method: 'post', path: '/api/v1/telemetry/exporters', roles: ['admin'] },
  { method: 'get', path: '/api/v1/telemetry/exporters/x', roles: ['admin', 'viewer'] },
  { method: 'patch', path: '/api/v1/telemetry/exporters/x', roles: ['admin'] },
  { method: 'delete', path: '/api/v1/telemetry/exporters/x', roles: ['admin'] },
  { method: 'post', path: '/api/v1/dataplane/telemetry', roles: ['dataplane'] },
  { method: 'get', path: '/api/v1/dataplane/snapshot', roles: ['dataplane'] },
  { method: 'post', path: '/api/v1/dataplane/traces', roles: ['dataplane'] },
  { method: 'get', path: '/metrics', roles: ['admin', 'viewer'] },
  { method: 'post', path: '/api/v1/playground/chat', roles: ['admin'] },
];

describe('authentication and the role x route matrix', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  const call = (method: string, path: string, auth?: string) => {
    const req = (h.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method]!(path);
    return auth ? req.set('Authorization', auth) : req;
  };

  it('lets each role through exactly the operations it may call', async () => {
    for (const route of ROUTES) {
      for (const role of ['admin', 'viewer', 'dataplane'] as Role[]) {
        const res = await call(route.method, route.path, `Bearer ${h.token(role)}`);
        const where = `${role} ${route.method.toUpperCase()} ${route.path} -> ${res.status} ${JSON.stringify(res.body)}`;
        if (route.roles.includes(role)) {
          assert.ok(res.status !== 401 && res.status !== 403, where);
        } else {
          assert.equal(res.status, 403, where);
          assert.equal(res.body.error.code, 'forbidden', where);
          assert.match(res.body.error.message, new RegExp(`role '${role}'`), where);
        }
      }
    }
  });

  const badTokens: Array<[string, () => string | undefined, RegExp]> = [
    ['no token', () => undefined, /Authorization/],
    ['not a bearer token', () => 'Basic YWRtaW46YWRtaW4=', /Bearer/],
    ['garbage', () => 'Bearer not-a-jwt', /not a JWT/],
    ['expired', () => `Bearer ${h.token('admin', { expiresIn: -10 })}`, /expired/],
    [
      'forged (other secret)',
      () => `Bearer ${jwt.sign({ role: 'admin' }, 'other-secret', { audience: 'kong-llm-gateway', subject: 'x' })}`,
      /invalid signature/,
    ],
    ['alg none', () => `Bearer ${unsignedToken({ role: 'admin', sub: 'x', aud: 'kong-llm-gateway' })}`, /algorithm 'none'/],
    ['wrong audience', () => `Bearer ${h.token('admin', { audience: 'someone-else' })}`, /audience/],
    ['no subject', () => `Bearer ${jwt.sign({ role: 'admin' }, h.config.jwt.secret!, { audience: 'kong-llm-gateway', expiresIn: 60 })}`, /sub/],
    // The reproduction: a token without `exp` used to be accepted, for ever.
    ['no expiry', () => `Bearer ${jwt.sign({ role: 'admin' }, h.config.jwt.secret!, { audience: 'kong-llm-gateway', subject: 'x' })}`, /no "exp" claim/],
    ['living longer than its role allows (8 days for an admin)', () => `Bearer ${h.token('admin', { expiresIn: '8d' })}`, /longer than the 604800 s allowed/],
    ['not valid yet (nbf)', () => `Bearer ${h.token('admin', { notBefore: 3600 })}`, /not valid before/],
    [
      'issued in the future (iat)',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${jwt.sign({ role: 'admin', iat: now + 3600, exp: now + 7200 }, h.config.jwt.secret!, { audience: 'kong-llm-gateway', subject: 'x' })}`;
      },
      /issued in the future/,
    ],
    [
      'HS512 (not accepted)',
      () => `Bearer ${jwt.sign({ role: 'admin' }, h.config.jwt.secret!, { algorithm: 'HS512', audience: 'kong-llm-gateway', subject: 'x' })}`,
      /HS512/,
    ],
  ];

  for (const [name, token, message] of badTokens) {
    it(`rejects ${name} with 401 on every protected route`, async () => {
      for (const route of ROUTES) {
        const res = await call(route.method, route.path, token());
        assert.equal(res.status, 401, `${route.method} ${route.path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'unauthorized');
        assert.match(res.body.error.message, message);
      }
    });
  }

  it('accepts the long-lived data-plane token the README mints for Kong (365 days)', async () => {
    const token = h.token('dataplane', { expiresIn: '365d' });
    await h.http.get('/api/v1/dataplane/snapshot').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('rejects an unknown role with 403', async () => {
    const token = jwt.sign({ role: 'root' }, h.config.jwt.secret!, { audience: 'kong-llm-gateway', subject: 'x', expiresIn: 60 });
    const res = await call('get', '/api/v1/secrets', `Bearer ${token}`).expect(403);
    assert.match(res.body.error.message, /role 'root'/);
  });

  it('needs no token for health, spec and docs', async () => {
    await h.http.get('/healthz').expect(200, { status: 'ok' });
    await h.http.get('/readyz').expect(200, { status: 'ok' });
    const spec = await h.http.get('/openapi.yaml').expect(200);
    assert.match(spec.text, /^openapi: 3\.1/);
    const docs = await h.http.get('/docs/').expect(200);
    assert.match(docs.text, /swagger-ui/i);
  });

  it('answers unknown routes and methods with the error shape', async () => {
    const missing = await h.as('admin').get('/api/v1/nothing-here').expect(404);
    assert.equal(missing.body.error.code, 'not_found');
    const method = await h.as('admin').post('/api/v1/traces').send({}).expect(405);
    assert.equal(method.body.error.code, 'method_not_allowed');
  });

  it('echoes a safe x-request-id and generates one otherwise', async () => {
    const echoed = await h.http.get('/healthz').set('x-request-id', 'abc-123');
    assert.equal(echoed.headers['x-request-id'], 'abc-123');
    const generated = await h.http.get('/healthz').set('x-request-id', 'bad id\twith tab');
    assert.match(generated.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
  });
});

describe('RS256 tokens', () => {
  let h: Harness;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  before(async () => {
    h = await startHarness({ config: { jwt: { publicKey: pem, audience: 'kong-llm-gateway', issuer: 'https://idp.example' } } });
  });
  after(async () => h?.close());

  it('accepts RS256 from the configured issuer and rejects HS256 signed with the public key', async () => {
    const good = jwt.sign({ role: 'viewer' }, privateKey, {
      algorithm: 'RS256',
      audience: 'kong-llm-gateway',
      issuer: 'https://idp.example',
      subject: 'v',
      expiresIn: '1h',
    });
    await h.http.get('/api/v1/endpoints').set('Authorization', `Bearer ${good}`).expect(200);
    const wrongIssuer = jwt.sign({ role: 'viewer' }, privateKey, {
      algorithm: 'RS256',
      audience: 'kong-llm-gateway',
      issuer: 'https://evil',
      subject: 'v',
      expiresIn: '1h',
    });
    const res = await h.http.get('/api/v1/endpoints').set('Authorization', `Bearer ${wrongIssuer}`).expect(401);
    assert.match(res.body.error.message, /issuer/);
    const confused = unsignedToken({ role: 'admin', sub: 'x', aud: 'kong-llm-gateway', iss: 'https://idp.example' }, 'HS256', pem);
    const res2 = await h.http.get('/api/v1/endpoints').set('Authorization', `Bearer ${confused}`).expect(401);
    assert.match(res2.body.error.message, /HS256/);
  });
});

/** A token with alg "none" (or HMAC-signed with an arbitrary key), built by hand as an attacker would. */
function unsignedToken(payload: object, alg = 'none', hmacKey?: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc({ alg, typ: 'JWT' })}.${enc(payload)}`;
  if (alg === 'none') return `${body}.`;
  return `${body}.${crypto.createHmac('sha256', hmacKey!).update(body).digest('base64url')}`;
}
