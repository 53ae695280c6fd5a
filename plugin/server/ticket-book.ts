// The fast kind of one-time ticket: a slot in memory shared by the access
// phase (the plugin server's main thread, the only writer of a ticket) and
// the data worker that redeems it. The ticket Kong carries is only the
// slot's number and its random nonce; the claims stay in the slot. Issuing
// and redeeming cost a few typed-array reads and writes instead of an HMAC
// each: at one client, when every request finds OpenSSL's code cold, an HMAC
// took 75-110 µs per thread (bench/RESULTS.md §32).
//
// A slot's state word orders the two threads (Atomics are sequentially
// consistent, so the plain writes before a state change are seen after it):
// FREE -> BUSY (the issuer writes) -> ISSUED -> BUSY (the redeemer reads) ->
// FREE. An issued slot whose ticket expired is reclaimed by the issuer. When
// no slot is free or the consumer's name does not fit, the issuer falls back
// to an HMAC ticket (tickets.ts), so the book's size bounds speed, never
// correctness.
import { randomFillSync } from 'node:crypto';

const FREE = 0;
const ISSUED = 1;
const BUSY = 2;

export const BOOK_SLOTS = 4096;
const SLOT_BYTES = 128;
// Byte layout of a slot: state i32 | nonce 4 x u32 | consumer length i32 (-1: none) | expires f64 | started f64 | consumer UTF-8.
const NONCE_WORD = 1;
const CONSUMER_LENGTH_WORD = 5;
const EXPIRES_DOUBLE = 3;
const STARTED_DOUBLE = 4;
const CONSUMER_OFFSET = 40;
export const BOOK_CONSUMER_BYTES = SLOT_BYTES - CONSUMER_OFFSET;
/** Slots looked at for a free one before falling back to an HMAC ticket. */
const PROBES = 32;

export const BOOK_TICKET_PREFIX = 't1';
const NONCE_HEX = /^[0-9a-f]{32}$/;

export interface BookClaims {
  consumer?: string;
  /** Access-phase start on the shared clock (performance.timeOrigin + now()). */
  startedAtShared: number;
}

export function newTicketBook(): SharedArrayBuffer {
  return new SharedArrayBuffer(BOOK_SLOTS * SLOT_BYTES);
}

class SlotViews {
  readonly words: Int32Array;
  readonly unsigned: Uint32Array;
  readonly doubles: Float64Array;
  readonly bytes: Uint8Array;

  constructor(book: SharedArrayBuffer) {
    this.words = new Int32Array(book);
    this.unsigned = new Uint32Array(book);
    this.doubles = new Float64Array(book);
    this.bytes = new Uint8Array(book);
  }
}

const WORDS_PER_SLOT = SLOT_BYTES / 4;
const DOUBLES_PER_SLOT = SLOT_BYTES / 8;

/** The access phase's side: writes tickets into the book. */
export class BookIssuer {
  private readonly v: SlotViews;
  private cursor = 0;
  // Random bytes drawn in blocks: one CSPRNG call per 256 tickets.
  private readonly random = Buffer.alloc(4096);
  private randomAt = this.random.length;

  constructor(book: SharedArrayBuffer) {
    this.v = new SlotViews(book);
  }

  /** A ticket, or undefined when no slot is free or the consumer does not fit (the caller falls back). */
  issue(claims: BookClaims, expiresAt: number, now: number): string | undefined {
    let consumer: Buffer | undefined;
    if (claims.consumer !== undefined) {
      consumer = Buffer.from(claims.consumer, 'utf8');
      if (consumer.length > BOOK_CONSUMER_BYTES) return undefined;
    }
    const slot = this.claimSlot(now);
    if (slot < 0) return undefined;
    const { words, unsigned, doubles, bytes } = this.v;
    const w = slot * WORDS_PER_SLOT;
    if (this.randomAt + 16 > this.random.length) {
      randomFillSync(this.random);
      this.randomAt = 0;
    }
    const at = this.randomAt;
    this.randomAt += 16;
    for (let i = 0; i < 4; i++) unsigned[w + NONCE_WORD + i] = this.random.readUInt32BE(at + i * 4);
    const d = slot * DOUBLES_PER_SLOT;
    doubles[d + EXPIRES_DOUBLE] = expiresAt;
    doubles[d + STARTED_DOUBLE] = claims.startedAtShared;
    words[w + CONSUMER_LENGTH_WORD] = consumer ? consumer.length : -1;
    if (consumer) bytes.set(consumer, slot * SLOT_BYTES + CONSUMER_OFFSET);
    Atomics.store(words, w, ISSUED);
    return `${BOOK_TICKET_PREFIX}.${slot}.${this.random.toString('hex', at, at + 16)}`;
  }

  /** A slot now BUSY for this thread: a free one, or one whose ticket expired unredeemed; -1 when none is near. */
  private claimSlot(now: number): number {
    const { words, doubles } = this.v;
    for (let probe = 0; probe < PROBES; probe++) {
      const slot = this.cursor;
      this.cursor = (this.cursor + 1) % BOOK_SLOTS;
      const w = slot * WORDS_PER_SLOT;
      if (Atomics.compareExchange(words, w, FREE, BUSY) === FREE) return slot;
      // Only this thread writes the expiry, so reading it here is not a race.
      if (doubles[slot * DOUBLES_PER_SLOT + EXPIRES_DOUBLE]! < now && Atomics.compareExchange(words, w, ISSUED, BUSY) === ISSUED) return slot;
    }
    return -1;
  }
}

/** The data worker's side: accepts each ticket of the book once. */
export class BookRedeemer {
  private readonly v: SlotViews;

  constructor(book: SharedArrayBuffer) {
    this.v = new SlotViews(book);
  }

  /** `parts` is the ticket split on '.', its prefix already checked. */
  redeem(parts: string[], now: number): BookClaims | undefined {
    if (parts.length !== 3) return undefined;
    const slot = Number(parts[1]);
    const nonce = parts[2]!;
    if (!Number.isInteger(slot) || slot < 0 || slot >= BOOK_SLOTS || String(slot) !== parts[1] || !NONCE_HEX.test(nonce)) return undefined;
    const { words, unsigned, doubles, bytes } = this.v;
    const w = slot * WORDS_PER_SLOT;
    if (Atomics.compareExchange(words, w, ISSUED, BUSY) !== ISSUED) return undefined;
    let differs = 0;
    for (let i = 0; i < 4; i++) differs |= (unsigned[w + NONCE_WORD + i]! ^ parseInt(nonce.slice(i * 8, i * 8 + 8), 16)) >>> 0;
    if (differs !== 0) {
      Atomics.store(words, w, ISSUED); // not this slot's ticket: the genuine one stays valid
      return undefined;
    }
    const d = slot * DOUBLES_PER_SLOT;
    const expired = doubles[d + EXPIRES_DOUBLE]! < now;
    const startedAtShared = doubles[d + STARTED_DOUBLE]!;
    const length = words[w + CONSUMER_LENGTH_WORD]!;
    const start = slot * SLOT_BYTES + CONSUMER_OFFSET;
    const consumer = length >= 0 ? Buffer.from(bytes.subarray(start, start + length)).toString('utf8') : undefined;
    Atomics.store(words, w, FREE);
    if (expired) return undefined;
    return consumer === undefined ? { startedAtShared } : { consumer, startedAtShared };
  }
}
