// Webhook notifications of "alert" budget policies: exactly one per policy
// per window (and subject). The claim is a unique insert into
// alert_deliveries (the loser of a race sees a duplicate key and does
// nothing), so two data planes or two control-plane replicas crossing the
// limit at once still produce one notification. Delivery is retried with
// exponential backoff until the receiver answers 2xx; every attempt is
// recorded on the delivery document. A receiver that answers 2xx but whose
// answer is lost may see the same notification again: the `x-alert-id`
// header (the delivery id) lets it drop the duplicate.
import { Agent, request } from 'undici';
import { checkedConnector, STRICT, urlRefusal, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';
import type { Logger } from '../logger';
import type { Models } from '../models';
import type { AlertDeliveryDoc } from '../models/alert-delivery.model';
import type { LedgerPolicy } from './budget-ledger-policies';
import { isDuplicateKeyError } from './mongo-errors';

export interface AlertOptions {
  timeoutMs: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** Where webhooks may be sent; checked for the address dialled (saved URLs were checked when saved). */
  outbound: OutboundPolicy;
}

const DEFAULTS: AlertOptions = { timeoutMs: 5_000, firstBackoffMs: 1_000, maxBackoffMs: 5 * 60_000, outbound: STRICT };
const LOCK_MS = 30_000;

export class BudgetAlertsService {
  private readonly options: AlertOptions;
  /** Attempts running in this process (FerretDB's findAndModify is no lock between concurrent callers). */
  private readonly sending = new Set<string>();
  /** Redirects are not followed (undici's request never does): a webhook cannot bounce the alert elsewhere. */
  private readonly dispatcher: Agent;

  constructor(
    private readonly models: Models,
    private readonly log: Logger,
    options: Partial<AlertOptions> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.dispatcher = new Agent({ connect: checkedConnector(this.options.outbound) });
  }

  /** Claims the window's one notification (no-op if already claimed) and tries to send it at once. */
  async claim(policy: LedgerPolicy, key: { policyId: string; subject: string; windowStart: Date }, windowEnd: Date, spentUnits: number): Promise<void> {
    if (!policy.webhookUrl || policy.unit === 'requests') return;
    const now = this.now();
    const scale = policy.unit === 'usd' ? 1_000_000 : 1;
    const doc: AlertDeliveryDoc = {
      _id: `${key.policyId}|${key.subject}|${key.windowStart.toISOString()}`,
      policyId: key.policyId,
      policyName: policy.name,
      subject: key.subject,
      windowStart: key.windowStart,
      windowEnd,
      unit: policy.unit,
      spend: spentUnits / scale,
      limit: policy.limit / scale,
      webhookUrl: policy.webhookUrl,
      createdAt: now,
      delivered: false,
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: new Date(0),
    };
    try {
      await this.models.alertDeliveries.create(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) return;
      throw err;
    }
    await this.models.budgetWindows.updateOne(key, { $set: { alertedAt: now } });
    void this.attempt(doc._id).catch((err: unknown) =>
      this.log.warn({ err: err instanceof Error ? err.message : String(err), alert: doc._id }, 'budget alert: delivery attempt failed'),
    );
  }

  /** Sends every notification that is due (called by the ledger's tick). */
  async deliverDue(): Promise<void> {
    const due = await this.models.alertDeliveries
      .find({ delivered: false, nextAttemptAt: { $lte: this.now() } }, { _id: 1 })
      .limit(50)
      .lean();
    await Promise.all(due.map((d) => this.attempt(d._id)));
  }

  private async attempt(id: string): Promise<void> {
    if (this.sending.has(id)) return;
    this.sending.add(id);
    try {
      await this.attemptOnce(id);
    } finally {
      this.sending.delete(id);
    }
  }

  private async attemptOnce(id: string): Promise<void> {
    const now = this.now();
    // Holding the lock keeps other replicas (and the next tick) from sending the same one concurrently.
    const doc = await this.models.alertDeliveries
      .findOneAndUpdate(
        { _id: id, delivered: false, lockedUntil: { $lte: now } },
        { $set: { lockedUntil: new Date(now.getTime() + LOCK_MS) }, $inc: { attempts: 1 } },
        { new: true },
      )
      .lean<AlertDeliveryDoc>();
    if (!doc) return;
    const body = {
      type: 'budget.alert',
      alertId: doc._id,
      policy: { id: doc.policyId, name: doc.policyName, unit: doc.unit },
      window: { start: doc.windowStart.toISOString(), end: doc.windowEnd.toISOString() },
      ...(doc.subject ? { user: doc.subject } : {}),
      spend: doc.spend,
      limit: doc.limit,
      firedAt: doc.createdAt.toISOString(),
    };
    let status: number | undefined;
    let error: string | undefined;
    try {
      const refused = urlRefusal(doc.webhookUrl, this.options.outbound);
      if (refused) throw new Error(`webhook URL refused: ${refused}`);
      const res = await request(doc.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-alert-id': doc._id },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        dispatcher: this.dispatcher,
      });
      status = res.statusCode;
      await res.body.dump().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message;
    }
    const done = this.now();
    if (status !== undefined && status >= 200 && status < 300) {
      await this.models.alertDeliveries.updateOne(
        { _id: id },
        { $set: { delivered: true, deliveredAt: done, lastStatus: status, lockedUntil: new Date(0) }, $unset: { lastError: '' } },
      );
      this.log.info({ alert: id, attempts: doc.attempts }, 'budget alert delivered');
      return;
    }
    const backoff = Math.min(this.options.maxBackoffMs, this.options.firstBackoffMs * 2 ** Math.max(0, doc.attempts - 1));
    await this.models.alertDeliveries.updateOne(
      { _id: id },
      {
        $set: {
          nextAttemptAt: new Date(done.getTime() + backoff),
          lockedUntil: new Date(0),
          lastError: error ?? `webhook answered ${status}`,
          ...(status !== undefined ? { lastStatus: status } : {}),
        },
      },
    );
    this.log.warn({ alert: id, attempts: doc.attempts, status, error, retryInMs: backoff }, 'budget alert: webhook not reached; will retry');
  }
}
