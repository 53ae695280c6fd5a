// One-time tickets that tie a request Kong proxies to the data server back to
// the plugin's access phase. Without a valid ticket the data server refuses
// the request, so its port is useless to anything that did not come through
// the plugin. Most tickets are slots of a book in memory the access phase
// (the plugin server's main thread) shares with the data worker
// (ticket-book.ts); when the book has no room, the access phase signs a
// ticket with a key only this process knows, and the data server checks the
// signature. Either kind is accepted once.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { BOOK_TICKET_PREFIX, BookIssuer, BookRedeemer } from './ticket-book';

export const TICKET_HEADER = 'x-llm-gateway-ticket';

export interface TicketClaims {
  /** Kong consumer (username, custom id or id) when an auth plugin identified one. */
  consumer?: string;
  /** performance.now() of the redeeming thread when the plugin's access phase started. */
  startedAt: number;
}

interface Payload {
  /** Random UUID (122 random bits, from Node's buffered CSPRNG: no entropy call per ticket): what makes a ticket single use. */
  n: string;
  /** Expiry, epoch ms. */
  e: number;
  /** Access-phase start on the shared clock (performance.timeOrigin + now()), so threads agree. */
  s: number;
  c?: string;
}

/** Long enough for Kong to read a slow client's body (request buffering) before it connects to the data server. */
export const TICKET_TTL_MS = 300_000;

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/** How many tickets a signer issued, readable from the worker that redeems them (a draining worker waits for every one). */
export function newIssueCounter(): BigInt64Array {
  return new BigInt64Array(new SharedArrayBuffer(8));
}

export class TicketSigner {
  private readonly book: BookIssuer | undefined;

  /** With `book` (shared with the verifier) most tickets are book slots; without, all are signed. */
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
    readonly issued: BigInt64Array = newIssueCounter(),
    book?: SharedArrayBuffer,
  ) {
    this.book = book ? new BookIssuer(book) : undefined;
  }

  issue(claims: TicketClaims): string {
    Atomics.add(this.issued, 0, 1n);
    const now = this.now();
    const startedAtShared = performance.timeOrigin + claims.startedAt;
    const fromBook = this.book?.issue({ consumer: claims.consumer, startedAtShared }, now + TICKET_TTL_MS, now);
    return fromBook ?? this.sign(claims, now, startedAtShared);
  }

  private sign(claims: TicketClaims, now: number, startedAtShared: number): string {
    const payload: Payload = { n: randomUUID(), e: now + TICKET_TTL_MS, s: startedAtShared };
    if (claims.consumer !== undefined) payload.c = claims.consumer;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${mac(this.key, body).toString('base64url')}`;
  }
}

export class TicketVerifier {
  /** Nonces redeemed and not yet expired. */
  private readonly used = new Map<string, number>();
  private sweepAt = 0;
  /** Tickets accepted so far. */
  redeemed = 0n;

  private readonly book: BookRedeemer | undefined;

  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
    book?: SharedArrayBuffer,
  ) {
    this.book = book ? new BookRedeemer(book) : undefined;
  }

  /** Returns the claims once; a forged, expired or second redeem yields undefined. */
  redeem(ticket: string | undefined): TicketClaims | undefined {
    const parts = (ticket ?? '').split('.');
    if (parts[0] === BOOK_TICKET_PREFIX) {
      const claims = this.book?.redeem(parts, this.now());
      if (!claims) return undefined;
      this.redeemed++;
      const startedAt = claims.startedAtShared - performance.timeOrigin;
      return claims.consumer === undefined ? { startedAt } : { consumer: claims.consumer, startedAt };
    }
    const [body, signature, extra] = parts;
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = mac(this.key, body);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    const now = this.now();
    if (payload.e < now || this.used.has(payload.n)) return undefined;
    this.sweep(now);
    this.used.set(payload.n, payload.e);
    this.redeemed++;
    return { startedAt: payload.s - performance.timeOrigin, ...(payload.c !== undefined ? { consumer: payload.c } : {}) };
  }

  get size(): number {
    return this.used.size;
  }

  // A nonce can be forgotten once its ticket has expired: it would be refused anyway.
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 10_000;
    for (const [nonce, expiresAt] of this.used) if (expiresAt < now) this.used.delete(nonce);
  }
}

export function newTicketKey(): Buffer {
  return randomBytes(32);
}
