import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTokenClaims } from './read-token-claims';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('readTokenClaims', () => {
  it('reads subject, role and expiry', () => {
    const token = `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'ana', role: 'viewer', exp: 2000000000, note: 'é ✓' })}.sig`;
    assert.deepEqual(readTokenClaims(token), { sub: 'ana', role: 'viewer', expiresAt: 2000000000000 });
  });

  it('says why a pasted string is not a token', () => {
    assert.match((readTokenClaims('sk-abc') as { problem: string }).problem, /three dot-separated parts/);
    assert.match((readTokenClaims('a.!!!.c') as { problem: string }).problem, /not base64url-encoded JSON/);
    assert.match((readTokenClaims(`a.${b64url(7)}.c`) as { problem: string }).problem, /not a JSON object/);
  });
});
