// Conversation state a later request continues from (a stored Responses
// answer that `previous_response_id` names). Every Kong node must find what
// any node stored, so the durable copy lives behind the control plane; each
// data plane keeps what it wrote or read recently in memory.
import { PackedJson } from '../packed-json';

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

/** Per data worker; an agent's stored Responses turn (its whole conversation) packs to a few KiB. */
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;

interface HeldRecord extends Omit<ConversationRecord, 'value'> {
  value: PackedJson<unknown>;
  bytes: number;
}

/**
 * The in-memory layer: the most recently used records, bounded in count and
 * in bytes. A stored response holds the whole conversation up to it, so a
 * count alone let a worker hold gigabytes for long agent conversations;
 * values are kept as deflated JSON when long (PackedJson), and a read of
 * such a value gets its own copy.
 */
export class MemoryConversationStore implements ConversationStore {
  private readonly records = new Map<string, HeldRecord>();
  private bytes = 0;

  constructor(
    private readonly maxRecords = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxBytes = DEFAULT_MEMORY_BYTES,
  ) {}

  /** Bytes held (deflated JSON, or JSON length for values kept as they are). */
  get heldBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.records.size;
  }

  get<T>(key: string): Promise<ConversationRecord<T> | undefined> {
    const held = this.records.get(key);
    if (!held) return Promise.resolve(undefined);
    if (held.expiresAt <= this.now()) {
      this.forget(key);
      return Promise.resolve(undefined);
    }
    // Re-insert: Map order is the recency order.
    this.records.delete(key);
    this.records.set(key, held);
    const { value, bytes: _bytes, ...meta } = held;
    return Promise.resolve({ ...meta, value: value.read() as T });
  }

  /** `json`: the value's JSON when the caller has it already. */
  put(key: string, record: ConversationRecord, json = JSON.stringify(record.value)): Promise<void> {
    this.forget(key);
    // Larger than the whole budget: kept nowhere here (the control plane may still hold it).
    if (json.length > this.maxBytes) return Promise.resolve();
    const value = new PackedJson(record.value);
    value.pack(json);
    const bytes = value.packedBytes || json.length;
    this.records.set(key, { ...record, value, bytes });
    this.bytes += bytes;
    while (this.records.size > this.maxRecords || this.bytes > this.maxBytes) this.forget(this.records.keys().next().value as string);
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.forget(key));
  }

  private forget(key: string): boolean {
    const held = this.records.get(key);
    if (!held) return false;
    this.records.delete(key);
    this.bytes -= held.bytes;
    return true;
  }
}
