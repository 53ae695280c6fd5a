// The conversation store every Kong node shares: records live in the
// control plane (control-plane/services/conversation-state.service.ts),
// and each data plane keeps the ones it wrote or read recently in memory.
//
// put() resolves once the control plane has the record, or after
// `writeWaitMs`, whichever comes first. Callers await it before an answer's
// last byte leaves: the client's next request can follow within
// milliseconds (a tool that answers at once) and reach another node, so the
// record must be shared by then. A control plane slower than the bound does
// not hold the answer up: the write goes on in the background, and this
// node still serves the record from memory. get() tries memory, then the
// control plane (bounded by the client's timeout; an error is a miss).
// A definite miss is remembered briefly, so a conversation that never had
// state does not cost a control-plane call on every turn.
import { errorMessage, log } from '../log';
import { DEFAULT_MEMORY_BYTES, MemoryConversationStore, type ConversationRecord, type ConversationStore, type ReadOptions } from './conversation-store';
import type { StateClient } from './state-client';

/** Records larger than this stay on the node that wrote them (the control plane refuses over 4 MiB). */
export const MAX_SHARED_BYTES = 4 * 1024 * 1024;
const MISS_TTL_MS = 30_000;
const MAX_MISSES = 10_000;

export class ControlPlaneConversationStore implements ConversationStore {
  private readonly memory: MemoryConversationStore;
  private readonly now: () => number;
  private readonly memoryRecords: number;
  private readonly misses = new Map<string, number>();
  /** When this node last wrote or read each record it holds. */
  private readonly cachedAt = new Map<string, number>();

  constructor(
    private readonly client: Pick<StateClient, 'put' | 'get' | 'delete'>,
    private readonly writeWaitMs = 1_000,
    { now = Date.now, memoryRecords = 10_000, memoryBytes = DEFAULT_MEMORY_BYTES }: { now?: () => number; memoryRecords?: number; memoryBytes?: number } = {},
  ) {
    this.now = now;
    this.memoryRecords = memoryRecords;
    this.memory = new MemoryConversationStore(memoryRecords, now, memoryBytes);
  }

  async get<T>(key: string, options: ReadOptions = {}): Promise<ConversationRecord<T> | undefined> {
    const local = await this.memory.get<T>(key);
    const age = this.now() - (this.cachedAt.get(key) ?? 0);
    if (local && (options.maxLocalAgeMs === undefined || age <= options.maxLocalAgeMs)) return local;
    const missedUntil = this.misses.get(key);
    if (!local && missedUntil !== undefined && missedUntil > this.now()) return undefined;
    try {
      const shared = (await this.client.get(key)) as ConversationRecord<T> | undefined;
      if (shared) await this.remember(key, shared);
      else {
        // Gone from the shared store (deleted, or expired): this node forgets it too.
        await this.memory.delete(key);
        this.rememberMiss(key);
      }
      return shared;
    } catch (err) {
      log.warn('conversation store: control-plane read failed', { error: (err as Error).message });
      return local;
    }
  }

  async put(key: string, record: ConversationRecord): Promise<void> {
    this.misses.delete(key);
    const json = JSON.stringify(record.value);
    await this.remember(key, record, json);
    if (Buffer.byteLength(json) > MAX_SHARED_BYTES) {
      log.warn('conversation store: record too large to share; kept on this node only', { key });
      return;
    }
    const written = this.client
      .put(key, record)
      .catch((err: unknown) => log.warn('conversation store: control-plane write failed; kept on this node only', { error: errorMessage(err) }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([written, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.writeWaitMs)))]);
    clearTimeout(timer);
  }

  async delete(key: string): Promise<boolean> {
    const local = await this.memory.delete(key);
    this.rememberMiss(key);
    try {
      return (await this.client.delete(key)) || local;
    } catch (err) {
      log.warn('conversation store: control-plane delete failed', { error: (err as Error).message });
      return local;
    }
  }

  private async remember(key: string, record: ConversationRecord, json?: string): Promise<void> {
    await this.memory.put(key, record, json);
    this.cachedAt.delete(key);
    this.cachedAt.set(key, this.now());
    if (this.cachedAt.size > 2 * this.memoryRecords) this.cachedAt.delete(this.cachedAt.keys().next().value as string);
  }

  private rememberMiss(key: string): void {
    this.misses.delete(key);
    this.misses.set(key, this.now() + MISS_TTL_MS);
    if (this.misses.size > MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
  }
}
