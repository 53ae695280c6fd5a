// The conversation state store: JSON records data planes keep between the
// requests of a conversation, by key, for a while, so a later request finds
// them on any Kong node. A general store on purpose:
//   - chat completions keep each assistant turn's reasoning state (Anthropic
//     thinking blocks with their signatures, Gemini thought signatures)
//     under its tool-call ids, for clients that drop it (LiteLLM);
//   - the Responses API keeps responses for `previous_response_id` and
//     GET/DELETE /responses/{id}.
//
//   put(key, { value, endpoint, user, expiresAt })   upsert
//   get(key)                                         the record, or undefined once expired
//   delete(key)                                      true when there was one
//
// Keys are chosen by the data plane and are unguessable or scoped. Records
// are bounded (MAX_STATE_BYTES, MAX_STATE_TTL_MS) and never hold
// credentials: data planes keep only what a provider or a client sent.
import { invalidField } from '../errors';
import type { Logger } from '../logger';
import type { Models } from '../models';

export const MAX_STATE_BYTES = 4 * 1024 * 1024;
/** Default of CONVERSATION_RETENTION_DAYS: how long any record may be kept (OpenAI keeps responses 30 days). */
export const MAX_STATE_TTL_MS = 30 * 24 * 3600 * 1000;

export interface ConversationStateRecord {
  key: string;
  value: unknown;
  endpoint: string;
  user: string;
  expiresAt: string;
}

export class ConversationStateService {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly models: Models,
    private readonly log: Logger,
    private readonly sweepMs = 60_000,
    private readonly now: () => Date = () => new Date(),
    private readonly retentionMs = MAX_STATE_TTL_MS,
  ) {}

  async put(key: string, record: { value: unknown; endpoint: string; user: string; expiresAt: string }): Promise<{ expiresAt: string }> {
    const json = JSON.stringify(record.value);
    if (Buffer.byteLength(json) > MAX_STATE_BYTES) throw invalidField('value', `is larger than ${MAX_STATE_BYTES} bytes`);
    const now = this.now();
    const asked = Date.parse(record.expiresAt);
    if (!(asked > now.getTime())) throw invalidField('expiresAt', 'must be in the future');
    const expiresAt = new Date(Math.min(asked, now.getTime() + this.retentionMs));
    await this.models.conversationStates.updateOne(
      { _id: key },
      { $set: { json, endpoint: record.endpoint, user: record.user, expiresAt, updatedAt: now } },
      { upsert: true },
    );
    return { expiresAt: expiresAt.toISOString() };
  }

  async get(key: string): Promise<ConversationStateRecord | undefined> {
    const doc = await this.models.conversationStates.findOne({ _id: key, expiresAt: { $gt: this.now() } }).lean();
    if (!doc) return undefined;
    return { key, value: JSON.parse(doc.json), endpoint: doc.endpoint, user: doc.user, expiresAt: doc.expiresAt.toISOString() };
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.models.conversationStates.deleteOne({ _id: key });
    return res.deletedCount > 0;
  }

  /** Deletes expired records (FerretDB has no TTL index); the timer's job, tests call it directly. */
  async sweepExpired(): Promise<number> {
    const res = await this.models.conversationStates.deleteMany({ expiresAt: { $lte: this.now() } });
    return res.deletedCount;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweepExpired().catch((err: unknown) =>
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'conversation state: sweep failed; retrying next tick'),
      );
    }, this.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
