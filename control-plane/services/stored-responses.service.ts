// Stored Responses API answers (the data planes keep them in the
// conversation state store under `response:<id>`, for previous_response_id),
// for operators: listed and read like traces, deletable by admins.
import type { Models } from '../models';
import type { ConversationStateDoc } from '../models/conversation-state.model';
import { notFound } from '../errors';
import type { Actor } from './actor';
import type { AuditService } from './audit.service';
import { decodeCursor, encodeCursor } from './cursor';

const PREFIX = 'response:';

export interface StoredResponseQuery {
  endpoint?: string;
  user?: string;
  limit: number;
  cursor?: string;
}

export class StoredResponsesService {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Newest first (by when it was stored), with the Response object each. */
  async list(q: StoredResponseQuery) {
    const and: object[] = [{ _id: { $regex: `^${PREFIX}` } }, { expiresAt: { $gt: this.now() } }];
    if (q.endpoint) and.push({ endpoint: q.endpoint });
    if (q.user) and.push({ user: q.user });
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      and.push({ $or: [{ updatedAt: { $lt: c.time } }, { updatedAt: c.time, _id: { $lt: c.id } }] });
    }
    const docs = await this.models.conversationStates
      .find({ $and: and })
      .sort({ updatedAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean<ConversationStateDoc[]>();
    const page = docs.slice(0, q.limit);
    const last = page.at(-1);
    return { items: page.map(toApi), nextCursor: docs.length > q.limit && last ? encodeCursor({ time: last.updatedAt, id: last._id }) : null };
  }

  async get(id: string) {
    const doc = await this.models.conversationStates.findOne({ _id: PREFIX + id, expiresAt: { $gt: this.now() } }).lean<ConversationStateDoc>();
    if (!doc) throw notFound('response', id);
    return toApi(doc);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const res = await this.models.conversationStates.deleteOne({ _id: PREFIX + id });
    if (!res.deletedCount) throw notFound('response', id);
    await this.audit.record(actor, 'response.delete', { type: 'response', id });
  }
}

function toApi(doc: ConversationStateDoc) {
  const stored = JSON.parse(doc.json) as { response?: unknown };
  return {
    id: doc._id.slice(PREFIX.length),
    endpoint: doc.endpoint,
    user: doc.user,
    storedAt: doc.updatedAt.toISOString(),
    expiresAt: doc.expiresAt.toISOString(),
    response: stored.response ?? {},
  };
}
