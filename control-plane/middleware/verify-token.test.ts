// Keys are turned into KeyObjects once, not on every request (jsonwebtoken
// parses string key material per call: half a millisecond of CPU each).
import assert from 'node:assert/strict';
import crypto, { KeyObject } from 'node:crypto';
import { afterEach, describe, it, mock } from 'node:test';
import jwt from 'jsonwebtoken';
import { signToken, verifyBearer } from './verify-token';

const audience = 'kong-llm-gateway';

describe('verifyBearer', () => {
  afterEach(() => mock.restoreAll());

  it('checks HS256 tokens against one secret KeyObject, reused across requests', () => {
    const cfg = { secret: crypto.randomBytes(32).toString('base64url'), audience };
    const verify = mock.method(jwt, 'verify');
    const token = signToken(cfg, { sub: 'a', role: 'admin' }, 60);
    assert.deepEqual(verifyBearer(`Bearer ${token}`, cfg), { sub: 'a', role: 'admin' });
    assert.equal(verifyBearer(`Bearer ${token}`, cfg).sub, 'a');
    const keys = verify.mock.calls.map((c) => c.arguments[1] as unknown);
    assert.equal(keys.length, 2);
    assert.ok(keys[0] instanceof KeyObject && keys[0].type === 'secret');
    assert.equal(keys[1], keys[0]);
    // A rotated secret is a different key: old tokens fail, new ones pass.
    const rotated = { ...cfg, secret: crypto.randomBytes(32).toString('base64url') };
    assert.throws(() => verifyBearer(`Bearer ${token}`, rotated), /invalid signature/);
    assert.equal(verifyBearer(`Bearer ${signToken(rotated, { sub: 'b', role: 'viewer' }, 60)}`, rotated).sub, 'b');
  });

  it('checks RS256 tokens against one public KeyObject, and never against the secret', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cfg = { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), audience };
    const verify = mock.method(jwt, 'verify');
    const token = jwt.sign({ role: 'viewer' }, privateKey, { algorithm: 'RS256', audience, subject: 'v', expiresIn: 60 });
    verifyBearer(`Bearer ${token}`, cfg);
    verifyBearer(`Bearer ${token}`, cfg);
    const keys = verify.mock.calls.map((c) => c.arguments[1] as unknown);
    assert.ok(keys[0] instanceof KeyObject && keys[0].type === 'public');
    assert.equal(keys[1], keys[0]);
    // HS256 with only a public key configured is refused before any verification.
    const hs = jwt.sign({ role: 'admin' }, 'guess', { algorithm: 'HS256', audience, subject: 'x', expiresIn: 60 });
    assert.throws(() => verifyBearer(`Bearer ${hs}`, cfg), /HS256' is not accepted/);
    assert.equal(verify.mock.callCount(), 2);
  });
});
