import { Schema, type Connection } from 'mongoose';

/**
 * One record of the data planes' conversation state store (see
 * services/conversation-state.service.ts): opaque JSON a data plane must
 * find again on a later request of the conversation, on whichever Kong node
 * that request lands. `json` is the value serialized (its keys are the
 * caller's, e.g. tool-call ids, which Mongo field names could not all hold).
 * FerretDB has no TTL index: expired records are deleted by the service's
 * sweeper and never served before that.
 */
export interface ConversationStateDoc {
  _id: string;
  json: string;
  /** The gateway endpoint the conversation runs on. */
  endpoint: string;
  /** Who wrote it (the Kong consumer or the request's user). */
  user: string;
  expiresAt: Date;
  updatedAt: Date;
}

const conversationStateSchema = new Schema<ConversationStateDoc>(
  {
    _id: { type: String, required: true },
    json: { type: String, required: true },
    endpoint: { type: String, required: true },
    user: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'conversation_states', versionKey: false, _id: false },
);
conversationStateSchema.index({ expiresAt: 1 });

export const conversationStateModel = (conn: Connection) => conn.model<ConversationStateDoc>('ConversationState', conversationStateSchema);
