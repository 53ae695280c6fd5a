import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newTicketKey, TicketSigner, TicketVerifier } from './tickets';

describe('tickets', () => {
  const key = newTicketKey();

  it('carries the consumer and the access-phase start across threads, once', () => {
    const startedAt = performance.now() - 12.5;
    const ticket = new TicketSigner(key).issue({ consumer: 'alice', startedAt });
    const verifier = new TicketVerifier(key);
    const claims = verifier.redeem(ticket)!;
    assert.equal(claims.consumer, 'alice');
    assert.ok(Math.abs(claims.startedAt - startedAt) < 0.01, 'same instant on the shared clock');
    assert.equal(verifier.redeem(ticket), undefined, 'single use');
    assert.equal(new TicketVerifier(key).redeem(new TicketSigner(key).issue({ startedAt }))!.consumer, undefined);
  });

  it('refuses forged, tampered, foreign-key and expired tickets', () => {
    const verifier = new TicketVerifier(key);
    const ticket = new TicketSigner(key).issue({ consumer: 'alice', startedAt: 0 });
    const [body, signature] = ticket.split('.');
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), c: 'admin' })).toString('base64url');
    for (const bad of [
      undefined,
      '',
      'made-up',
      `${body}`,
      `${tampered}.${signature}`,
      `${body}.${signature}.x`,
      new TicketSigner(newTicketKey()).issue({ startedAt: 0 }),
    ]) {
      assert.equal(verifier.redeem(bad), undefined, String(bad));
    }
    let now = Date.now();
    const old = new TicketSigner(key, () => now).issue({ startedAt: 0 });
    now += 300_001;
    assert.equal(new TicketVerifier(key, () => now).redeem(old), undefined, 'expired after 5 minutes');
    assert.ok(verifier.redeem(ticket), 'the genuine one still passes');
  });
});
