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
import { log } from '../log';
import { MemoryConversationStore, type ConversationRecord, type ConversationStore } from './conversation-store';
import type { StateClient } from './state-client';

/** Records larger than this stay on the node that wrote them (the control plane refuses over 4 MiB). */
export const MAX_SHARED_BYTES = 4 * 1024 * 1024;
const MISS_TTL_MS = 30_000;
const MAX_MISSES = 10_000;

export class ControlPlaneConversationStore implements ConversationStore {
  private readonly memory: MemoryConversationStore;
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly client: Pick<StateClient, 'put' | 'get' | 'delete'>,
    private readonly writeWaitMs = 1_000,
    private readonly now: () => number = Date.now,
    memoryRecords = 10_000,
  ) {
    this.memory = new MemoryConversationStore(memoryRecords, now);
  }

  async get<T>(key: string): Promise<ConversationRecord<T> | undefined> {
    const local = await this.memory.get<T>(key);
    if (local) return local;
    const missedUntil = this.misses.get(key);
    if (missedUntil !== undefined && missedUntil > this.now()) return undefined;
    try {
      const shared = (await this.client.get(key)) as ConversationRecord<T> | undefined;
      if (shared) await this.memory.put(key, shared);
      else this.rememberMiss(key);
      return shared;
    } catch (err) {
      log.warn('conversation store: control-plane read failed', { error: (err as Error).message });
      return undefined;
    }
  }

  async put(key: string, record: ConversationRecord): Promise<void> {
    this.misses.delete(key);
    await this.memory.put(key, record);
    if (Buffer.byteLength(JSON.stringify(record.value)) > MAX_SHARED_BYTES) {
      log.warn('conversation store: record too large to share; kept on this node only', { key });
      return;
    }
    const written = this.client
      .put(key, record)
      .catch((err: Error) => log.warn('conversation store: control-plane write failed; kept on this node only', { error: err.message }));
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

  private rememberMiss(key: string): void {
    this.misses.delete(key);
    this.misses.set(key, this.now() + MISS_TTL_MS);
    if (this.misses.size > MAX_MISSES) this.misses.delete(this.misses.keys().next().value as string);
  }
}
