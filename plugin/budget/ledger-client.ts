// HTTP client of the control plane's budget ledger API. Budget calls sit on
// the request path, so they get their own short timeout, and after a failure
// the ledger counts as unreachable for a moment (no request waits for a
// timeout the previous one just hit).
import { Agent, request } from '../upstream/undici-parts';
import type { LedgerCharge, LedgerLeaseUse, LedgerReserveItem, LedgerReserveResult } from '../contract';

export interface LedgerClientOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  /** After a failure, calls fail at once for this long. */
  backoffMs: number;
}

export class LedgerUnavailable extends Error {}

export class LedgerClient {
  private downUntil = 0;
  private readonly base: string;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, pipelining: 1 });
  /** Heartbeats get their own connection: they must not queue behind a burst of reserve calls. */
  private readonly heartbeatAgent = new Agent({ keepAliveTimeout: 30_000, connections: 1, pipelining: 1 });

  constructor(private readonly options: LedgerClientOptions) {
    this.base = options.controlPlaneUrl.replace(/\/$/, '');
  }

  reachable(): boolean {
    return Date.now() >= this.downUntil;
  }

  reserve(dataplaneId: string, items: LedgerReserveItem[]): Promise<LedgerReserveResult> {
    return this.post('reserve', { dataplaneId, items });
  }

  settle(dataplaneId: string, leases: LedgerLeaseUse[], charges: LedgerCharge[]): Promise<{ expired: string[] }> {
    return this.post('settle', { dataplaneId, leases, charges });
  }

  renew(dataplaneId: string): Promise<{ renewed: number; ttlMs: number }> {
    return this.post('renew', { dataplaneId }, this.heartbeatAgent);
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.heartbeatAgent.close()]);
  }

  private async post<T>(operation: string, body: unknown, dispatcher = this.agent): Promise<T> {
    if (!this.reachable()) throw new LedgerUnavailable('the control plane was unreachable moments ago');
    try {
      const res = await request(`${this.base}/api/v1/dataplane/budget/${operation}`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new LedgerUnavailable(`budget ${operation} answered ${res.statusCode}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as T;
    } catch (err) {
      // A refused connection or an error answer means "down": skip the next calls for a moment. A
      // timeout under load does not (it would fail every request of that moment for one slow one).
      if (!isTimeout(err)) this.downUntil = Date.now() + this.options.backoffMs;
      throw err instanceof LedgerUnavailable ? err : new LedgerUnavailable(`budget ${operation} failed: ${(err as Error).message}`);
    }
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null | undefined;
  return e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT';
}
