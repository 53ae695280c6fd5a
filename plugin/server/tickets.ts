// One-time tickets that tie a request Kong proxies to the in-process data
// server back to the plugin's access phase. Without a valid ticket the data
// server refuses the request, so the port is useless to anything that did
// not come through the plugin. Tickets are 128-bit random and single use.
import { randomBytes } from 'node:crypto';

export const TICKET_HEADER = 'x-llm-gateway-ticket';

export interface TicketClaims {
  /** Kong consumer (username, custom id or id) when an auth plugin identified one. */
  consumer?: string;
  /** performance.now() when the plugin's access phase started. */
  startedAt: number;
}

interface Entry extends TicketClaims {
  expiresAt: number;
}

export class TicketBook {
  private readonly entries = new Map<string, Entry>();
  private sweepAt = 0;

  constructor(
    private readonly ttlMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(claims: TicketClaims): string {
    this.sweep();
    const ticket = randomBytes(16).toString('base64url');
    this.entries.set(ticket, { ...claims, expiresAt: this.now() + this.ttlMs });
    return ticket;
  }

  /** Returns the claims once; a second redeem or an expired ticket yields undefined. */
  redeem(ticket: string | undefined): TicketClaims | undefined {
    if (!ticket) return undefined;
    const entry = this.entries.get(ticket);
    if (!entry) return undefined;
    this.entries.delete(ticket);
    return entry.expiresAt >= this.now() ? entry : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  // Tickets whose request never arrived (Kong failed before proxying) expire.
  private sweep(): void {
    const now = this.now();
    if (now < this.sweepAt) return;
    this.sweepAt = now + 10_000;
    for (const [ticket, entry] of this.entries) if (entry.expiresAt < now) this.entries.delete(ticket);
  }
}
