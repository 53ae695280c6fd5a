// The conversation state store: small JSON values data planes keep between
// the turns of a conversation, by key, for a while. A general store on
// purpose: chat completions keep each assistant turn's reasoning state
// (Anthropic thinking blocks with their signatures, Gemini thought
// signatures) under its tool-call ids, so the next turn finds it on any Kong
// node even when the client dropped it; the Responses API's
// `previous_response_id` will keep whole responses under their ids.
//
//   put(key, value, { ttlSeconds, endpoint })  upsert, replaces the value
//   get(key)                                   the value, or undefined once expired
//
// Keys are chosen by the data plane and should be unguessable or scoped
// (the chat store hashes the endpoint, the user and the tool-call id).
// Values are bounded (MAX_STATE_BYTES) and never hold credentials: data
// planes store only what a provider returned for the client.
import { invalidField } from '../errors';
import type { Logger } from '../logger';
import type { Models } from '../models';

export const MAX_STATE_BYTES = 512 * 1024;
export const MAX_STATE_TTL_SECONDS = 7 * 24 * 3600;

export interface ConversationStateEntry {
  key: string;
  value: unknown;
  endpoint?: string;
  expiresAt: string;
}

export class ConversationStateService {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly models: Models,
    private readonly log: Logger,
    private readonly sweepMs = 60_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(key: string, value: unknown, options: { ttlSeconds: number; endpoint?: string }): Promise<{ expiresAt: string }> {
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > MAX_STATE_BYTES) throw invalidField('value', `is larger than ${MAX_STATE_BYTES} bytes`);
    const ttl = Math.min(options.ttlSeconds, MAX_STATE_TTL_SECONDS);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    await this.models.conversationStates.updateOne(
      { _id: key },
      { $set: { json, expiresAt, updatedAt: now, ...(options.endpoint ? { endpoint: options.endpoint } : {}) } },
      { upsert: true },
    );
    return { expiresAt: expiresAt.toISOString() };
  }

  async get(key: string): Promise<ConversationStateEntry | undefined> {
    const doc = await this.models.conversationStates.findOne({ _id: key, expiresAt: { $gt: this.now() } }).lean();
    if (!doc) return undefined;
    return { key, value: JSON.parse(doc.json), ...(doc.endpoint ? { endpoint: doc.endpoint } : {}), expiresAt: doc.expiresAt.toISOString() };
  }

  /** Deletes expired entries (FerretDB has no TTL index); the timer's job, tests call it directly. */
  async sweepExpired(): Promise<number> {
    const res = await this.models.conversationStates.deleteMany({ expiresAt: { $lte: this.now() } });
    return res.deletedCount ?? 0;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweepExpired().catch((err: Error) => this.log.warn({ err: err.message }, 'conversation state: sweep failed; retrying next tick'));
    }, this.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
