// Conversation state for the pipeline: two calls around a chat request.
//
//   const request = await rt.conversationState.restore(endpoint, chat, user);   // before budget admission
//   const sink = rt.conversationState.capture(endpoint, ingress.sink(...), user); // the sink the answer goes to
//
// See reasoning-state.ts (what is kept, and when) and
// conversation-state-store.ts (where: a local LRU over the control plane).
import type { Endpoint } from '../contract';
import type { ChatSink } from '../gateway/sink';
import type { ChatRequest } from '../openai/types';
import { ConversationStateStore, DEFAULT_STATE_OPTIONS, type ConversationStateOptions } from './conversation-state-store';
import { captureReasoningState, mayNeedReasoningState, restoreReasoningState } from './reasoning-state';
import { StateClient, type StateClientOptions } from './state-client';

export { ConversationStateStore } from './conversation-state-store';

export class ConversationState {
  constructor(
    readonly store: ConversationStateStore,
    private readonly client?: StateClient,
  ) {}

  static connect(options: StateClientOptions, storeOptions: Partial<ConversationStateOptions> = {}): ConversationState {
    const client = new StateClient(options);
    return new ConversationState(new ConversationStateStore(client, { ...DEFAULT_STATE_OPTIONS, ...storeOptions }), client);
  }

  /** The request with the reasoning state its current turn needs put back (or the request itself). */
  restore(endpoint: Endpoint, request: ChatRequest, user: string): Promise<ChatRequest> {
    if (!mayNeedReasoningState(endpoint, request)) return Promise.resolve(request);
    return restoreReasoningState(this.store, request, { endpoint: endpoint.name, user });
  }

  /** The sink that keeps each answer's reasoning state before the answer ends. */
  capture(endpoint: Endpoint, sink: ChatSink, user: string): ChatSink {
    return captureReasoningState(this.store, sink, { endpoint: endpoint.name, user });
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
