import { Schema, type Connection } from 'mongoose';

/**
 * One entry of the data planes' conversation state store (see
 * services/conversation-state.service.ts): opaque JSON a data plane must
 * find again on a later turn, on whichever Kong node that turn lands.
 * `json` is the value serialized (its keys are the caller's, e.g. tool-call
 * ids, which Mongo field names could not all hold). FerretDB has no TTL
 * index: expired entries are deleted by the service's sweeper and never
 * served before that.
 */
export interface ConversationStateDoc {
  _id: string;
  json: string;
  /** The gateway endpoint the conversation runs on (for operators; deleting it may drop its state). */
  endpoint?: string;
  expiresAt: Date;
  updatedAt: Date;
}

const conversationStateSchema = new Schema<ConversationStateDoc>(
  {
    _id: { type: String, required: true },
    json: { type: String, required: true },
    endpoint: String,
    expiresAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'conversation_states', versionKey: false, _id: false },
);
conversationStateSchema.index({ expiresAt: 1 });

export const conversationStateModel = (conn: Connection) => conn.model<ConversationStateDoc>('ConversationState', conversationStateSchema);
