import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BOOK_CONSUMER_BYTES, BOOK_SLOTS, BOOK_TICKET_PREFIX, newTicketBook } from './ticket-book';
import { newIssueCounter, newTicketKey, TicketSigner, TicketVerifier } from './tickets';

const isBookTicket = (ticket: string) => ticket.startsWith(`${BOOK_TICKET_PREFIX}.`);

describe('tickets', () => {
  const key = newTicketKey();

  for (const kind of ['book', 'signed'] as const) {
    const pair = (now: () => number = Date.now) => {
      const book = kind === 'book' ? newTicketBook() : undefined;
      return { signer: new TicketSigner(key, now, newIssueCounter(), book), verifier: new TicketVerifier(key, now, book) };
    };

    it(`${kind}: carries the consumer and the access-phase start, once`, () => {
      const { signer, verifier } = pair();
      const startedAt = performance.now() - 12.5;
      const ticket = signer.issue({ consumer: 'alice', startedAt });
      assert.equal(isBookTicket(ticket), kind === 'book');
      const claims = verifier.redeem(ticket)!;
      assert.equal(claims.consumer, 'alice');
      assert.ok(Math.abs(claims.startedAt - startedAt) < 0.01, 'same instant on the shared clock');
      assert.equal(verifier.redeem(ticket), undefined, 'single use');
      assert.equal(verifier.redeem(signer.issue({ startedAt }))!.consumer, undefined);
      assert.equal(verifier.redeemed, 2n);
      assert.equal(Atomics.load(signer.issued, 0), 2n);
    });

    it(`${kind}: refuses expired tickets`, () => {
      let now = Date.now();
      const { signer, verifier } = pair(() => now);
      const old = signer.issue({ startedAt: 0 });
      now += 300_001;
      assert.equal(verifier.redeem(old), undefined, 'expired after 5 minutes');
    });
  }

  it('refuses forged, tampered and foreign signed tickets', () => {
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
    assert.ok(verifier.redeem(ticket), 'the genuine one still passes');
  });

  it('refuses made-up, guessed and foreign book tickets; a wrong guess leaves the genuine one valid', () => {
    const book = newTicketBook();
    const signer = new TicketSigner(key, Date.now, newIssueCounter(), book);
    const verifier = new TicketVerifier(key, Date.now, book);
    const ticket = signer.issue({ consumer: 'alice', startedAt: 0 });
    const [prefix, slot, nonce] = ticket.split('.') as [string, string, string];
    const flipped = `${nonce.slice(0, 31)}${nonce[31] === '0' ? '1' : '0'}`;
    const foreignBook = newTicketBook();
    for (const bad of [
      `${prefix}.${slot}.${flipped}`,
      `${prefix}.${slot}.${'0'.repeat(32)}`,
      `${prefix}.${Number(slot) + 1}.${nonce}`,
      `${prefix}.${BOOK_SLOTS}.${nonce}`,
      `${prefix}.-1.${nonce}`,
      `${prefix}.0${slot}.${nonce}`,
      `${prefix}.${slot}.${nonce.toUpperCase()}`,
      `${prefix}.${slot}.${nonce}.x`,
      `${prefix}.${slot}`,
      new TicketSigner(key, Date.now, newIssueCounter(), foreignBook).issue({ startedAt: 0 }),
    ]) {
      assert.equal(verifier.redeem(bad), undefined, bad);
    }
    assert.equal(new TicketVerifier(key).redeem(ticket), undefined, 'a verifier without the book refuses it');
    assert.equal(verifier.redeem(ticket)!.consumer, 'alice', 'the genuine one still passes');
  });

  it('falls back to a signed ticket when the consumer does not fit or no slot is free, and reuses expired slots', () => {
    let now = Date.now();
    const book = newTicketBook();
    const signer = new TicketSigner(key, () => now, newIssueCounter(), book);
    const verifier = new TicketVerifier(key, () => now, book);
    const long = 'ü'.repeat(BOOK_CONSUMER_BYTES); // twice as many bytes
    const longTicket = signer.issue({ consumer: long, startedAt: 0 });
    assert.ok(!isBookTicket(longTicket));
    assert.equal(verifier.redeem(longTicket)!.consumer, long);
    const fits = 'ü'.repeat(BOOK_CONSUMER_BYTES / 2);
    assert.equal(verifier.redeem(signer.issue({ consumer: fits, startedAt: 0 }))!.consumer, fits);

    // Every slot taken by a ticket not yet redeemed (slow clients): the next one is signed, and still valid.
    const outstanding = Array.from({ length: BOOK_SLOTS }, () => signer.issue({ startedAt: 0 }));
    assert.ok(outstanding.every(isBookTicket));
    const overflow = signer.issue({ consumer: 'bob', startedAt: 0 });
    assert.ok(!isBookTicket(overflow));
    assert.equal(verifier.redeem(overflow)!.consumer, 'bob');
    // Tickets are redeemed about in the order issued, so the issuer looks for a free slot just ahead of its cursor.
    assert.equal(verifier.redeem(outstanding[39])!.consumer, undefined, 'redeeming frees a slot');
    const again = signer.issue({ consumer: 'carol', startedAt: 0 });
    assert.ok(isBookTicket(again), 'the freed slot is found');
    assert.equal(verifier.redeem(again)!.consumer, 'carol');

    // Once they expired their slots are taken again; the expired tickets stay refused.
    now += 300_001;
    const fresh = Array.from({ length: 100 }, (_, i) => signer.issue({ consumer: `c${i}`, startedAt: 0 }));
    assert.ok(fresh.every(isBookTicket));
    assert.equal(verifier.redeem(outstanding.at(-1)), undefined);
    fresh.forEach((t, i) => assert.equal(verifier.redeem(t)!.consumer, `c${i}`));
  });

  it('a book ticket issued on one thread is redeemed on another, once', async () => {
    const book = newTicketBook();
    const signer = new TicketSigner(key, Date.now, newIssueCounter(), book);
    const tickets = Array.from({ length: 50 }, (_, i) => signer.issue({ consumer: `user-${i}`, startedAt: performance.now() }));
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       if (workerData.typescript) require('tsx/cjs'); // run from source, as the test runner does
       const { TicketVerifier } = require(workerData.module);
       const verifier = new TicketVerifier(Buffer.from(workerData.key), Date.now, workerData.book);
       const first = workerData.tickets.map((t) => verifier.redeem(t)?.consumer ?? null);
       const again = workerData.tickets.map((t) => verifier.redeem(t) ?? null);
       parentPort.postMessage({ first, again });`,
      { eval: true, workerData: { module: require.resolve('./tickets'), typescript: __filename.endsWith('.ts'), key, book, tickets } },
    );
    const answer = await new Promise<{ first: Array<string | null>; again: unknown[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.deepEqual(
      answer.first,
      tickets.map((_, i) => `user-${i}`),
    );
    assert.deepEqual(answer.again, Array<null>(50).fill(null));
    const here = new TicketVerifier(key, Date.now, book);
    assert.deepEqual(
      tickets.map((t) => here.redeem(t) ?? null),
      Array<null>(50).fill(null),
      'used up in the one book both threads share',
    );
  });
});
