// Conversation state a later request continues from (a stored Responses
// answer that `previous_response_id` names). Every Kong node must find what
// any node stored, so the durable copy lives behind the control plane; each
// data plane keeps what it wrote or read recently in memory.
export interface ConversationRecord<T = unknown> {
  value: T;
  /** The endpoint that wrote it: a continuation through another endpoint is refused. */
  endpoint: string;
  /** Who wrote it (the Kong consumer or the request's user), when known. */
  user: string;
  /** Epoch ms after which it is gone. */
  expiresAt: number;
}

export interface ReadOptions {
  /**
   * How long a copy this node holds may be served without asking the shared
   * store again: records that an admin can delete (stored responses) are
   * re-read once the copy is older, so a deletion elsewhere takes effect.
   * Unset: the local copy is good until it expires (immutable records).
   */
  maxLocalAgeMs?: number;
}

export interface ConversationStore {
  get<T>(key: string, options?: ReadOptions): Promise<ConversationRecord<T> | undefined>;
  /** Resolves once the record is durable (or as durable as the store can make it). */
  put(key: string, record: ConversationRecord): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** The in-memory layer: most recently used records, bounded in count. */
export class MemoryConversationStore implements ConversationStore {
  private readonly records = new Map<string, ConversationRecord>();

  constructor(
    private readonly maxRecords = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string): Promise<ConversationRecord<T> | undefined> {
    const record = this.records.get(key);
    if (!record) return Promise.resolve(undefined);
    if (record.expiresAt <= this.now()) {
      this.records.delete(key);
      return Promise.resolve(undefined);
    }
    // Re-insert: Map order is the recency order.
    this.records.delete(key);
    this.records.set(key, record);
    return Promise.resolve(record as ConversationRecord<T>);
  }

  put(key: string, record: ConversationRecord): Promise<void> {
    this.records.delete(key);
    this.records.set(key, record);
    while (this.records.size > this.maxRecords) this.records.delete(this.records.keys().next().value as string);
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.records.delete(key));
  }
}
