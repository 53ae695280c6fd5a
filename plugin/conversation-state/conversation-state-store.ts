// The data plane's side of the conversation state store: a local LRU in
// front of the control plane's store (control-plane/services/
// conversation-state.service.ts), so a conversation's next turn finds its
// state on whichever Kong node it lands. Generic: key -> JSON value, with
// the gateway endpoint and an expiry; chat keeps reasoning state in it
// (reasoning-state.ts), the Responses API will keep responses.
//
// Writes go to the LRU at once and to the control plane before the answer's
// last bytes leave (the caller awaits `remember`), waiting at most
// `writeWaitMs`: the client's next turn can come within milliseconds (a
// tool that answers instantly) and may reach another node, so the state must
// be in the shared store by then. A control plane slower than that does not
// hold the answer: the write goes on in the background and this node still
// serves the state from its LRU. Reads try the LRU, then the control plane
// (bounded by `readTimeoutMs`); a definite miss is remembered briefly.
import { log } from '../log';
import { LruMap } from './lru-map';
import type { StateClient } from './state-client';

export interface ConversationStateOptions {
  ttlSeconds: number;
  writeWaitMs: number;
  lruEntries: number;
  lruBytes: number;
}

export const DEFAULT_STATE_OPTIONS: ConversationStateOptions = { ttlSeconds: 24 * 3600, writeWaitMs: 1_000, lruEntries: 10_000, lruBytes: 64 * 1024 * 1024 };

/** Values larger than this are not kept (the control plane refuses over 512 KiB). */
export const MAX_VALUE_BYTES = 512 * 1024;

const MISS = Symbol('miss');
const MISS_TTL_MS = 30_000;

export class ConversationStateStore {
  private readonly local: LruMap<unknown>;

  constructor(
    private readonly client: Pick<StateClient, 'put' | 'get'> | undefined,
    private readonly options: ConversationStateOptions = DEFAULT_STATE_OPTIONS,
  ) {
    this.local = new LruMap(options.lruEntries, options.lruBytes);
  }

  /** Keeps `value` under every key; resolves once stored in the control plane or after writeWaitMs. */
  async remember(keys: string[], value: unknown, endpoint?: string): Promise<void> {
    const json = JSON.stringify(value);
    const size = Buffer.byteLength(json);
    if (size > MAX_VALUE_BYTES) {
      log.warn('conversation state too large to keep', { bytes: size });
      return;
    }
    for (const key of keys) this.local.set(key, JSON.parse(json), size, this.options.ttlSeconds * 1000);
    if (!this.client) return;
    const client = this.client;
    const writes = Promise.all(keys.map((key) => client.put(key, value, this.options.ttlSeconds, endpoint))).catch((err: Error) =>
      log.warn('conversation state: control-plane write failed; kept on this node only', { error: err.message }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([writes, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.writeWaitMs)))]);
    clearTimeout(timer);
  }

  /** The value kept under `key`, or undefined (also when the control plane cannot be reached). */
  async recall(key: string): Promise<unknown> {
    const hit = this.local.get(key);
    if (hit === MISS) return undefined;
    if (hit !== undefined) return hit;
    if (!this.client) return undefined;
    try {
      const value = await this.client.get(key);
      if (value === undefined) this.local.set(key, MISS, 64, MISS_TTL_MS);
      else this.local.set(key, value, Buffer.byteLength(JSON.stringify(value)), this.options.ttlSeconds * 1000);
      return value;
    } catch (err) {
      log.warn('conversation state: control-plane read failed', { error: (err as Error).message });
      return undefined;
    }
  }
}
