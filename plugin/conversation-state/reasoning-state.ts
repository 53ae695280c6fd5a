// Reasoning state across the turns of a chat conversation, even through
// clients that drop what they do not know (LiteLLM keeps neither
// `thinking_blocks` nor `provider_state` when Google ADK rebuilds the
// history). Anthropic needs the signed thinking of the assistant turn that
// called the tools back with the tool results; Gemini 3 needs the thought
// signature of each function call of the current turn.
//
// After an answer: its thinking_blocks and provider_state are kept under
// each of its tool-call ids (ids the provider or the gateway minted at
// random, scoped by endpoint and user; hashed into the key). Text-only
// turns are not kept: no provider needs their state back (Anthropic drops
// earlier turns' thinking, Gemini validates only the current turn's calls).
// Before a request: an assistant message of the current turn (after the
// last user message) that calls tools but carries no state gets it back
// from the store, looked up by its first tool-call id.
//
// Two functions for the pipeline (see README "Conversation state"):
//   restoreReasoningState(request, scope)  before admission and translation
//   captureReasoningState(sink, scope)     wraps the sink the answer goes to
import { createHash } from 'node:crypto';
import type { ChatSink } from '../gateway/sink';
import { mergeProviderState } from '../ingress/anthropic/provider-state';
import { ThinkingBlockAssembler } from '../openai/assemble-thinking-blocks';
import type { AssistantMessage, ChatMessage, ChatRequest, ThinkingBlock } from '../openai/types';
import type { Endpoint } from '../contract';
import { reasoningRequest } from '../providers/shared/reasoning-effort';
import type { ConversationStateStore } from './conversation-state-store';

export interface StateScope {
  endpoint: string;
  user: string;
}

/** What is kept per tool-call id. */
export interface ReasoningState {
  thinking_blocks?: ThinkingBlock[];
  provider_state?: Record<string, unknown>;
}

/** Most lookups one request makes (a current turn rarely has more tool-calling steps). */
const MAX_LOOKUPS = 8;

export function stateKey(scope: StateScope, toolCallId: string): string {
  const digest = createHash('sha256').update(`${scope.endpoint}\u0000${scope.user}\u0000${toolCallId}`).digest('base64url');
  return `chat:${digest}`;
}

/**
 * Whether a request on this endpoint can use restored state: Gemini always
 * (Gemini 3 thinks by default and validates signatures), Anthropic and
 * Bedrock only when the request asks for thinking. Saves a lookup on every
 * tool turn of conversations that can never need one.
 */
export function mayNeedReasoningState(endpoint: Endpoint, request: ChatRequest): boolean {
  const providers = new Set(endpoint.destinations.map((d) => d.provider));
  if (providers.has('gemini')) return true;
  const asked = reasoningRequest(request);
  return (providers.has('anthropic') || providers.has('bedrock')) && asked !== undefined && asked.kind !== 'off';
}

export async function restoreReasoningState(store: ConversationStateStore, request: ChatRequest, scope: StateScope): Promise<ChatRequest> {
  const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
  const wanting = request.messages
    .map((m, i) => ({ m, i }))
    .filter(({ m, i }) => i > lastUser && m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0 && !m.thinking_blocks?.length && !m.provider_state)
    .slice(-MAX_LOOKUPS);
  if (wanting.length === 0) return request;
  const found = await Promise.all(wanting.map(({ m }) => store.recall(stateKey(scope, m.tool_calls![0].id))));
  const messages = [...request.messages];
  wanting.forEach(({ m, i }, k) => {
    const state = asReasoningState(found[k]);
    if (state) messages[i] = withState(m, state);
  });
  return { ...request, messages };
}

function withState(m: ChatMessage, state: ReasoningState): ChatMessage {
  return {
    ...m,
    ...(state.thinking_blocks?.length ? { thinking_blocks: state.thinking_blocks } : {}),
    ...(state.provider_state ? { provider_state: state.provider_state } : {}),
  };
}

function asReasoningState(value: unknown): ReasoningState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as ReasoningState;
  const out: ReasoningState = {};
  if (Array.isArray(v.thinking_blocks)) out.thinking_blocks = v.thinking_blocks;
  if (typeof v.provider_state === 'object' && v.provider_state !== null) out.provider_state = v.provider_state;
  return out.thinking_blocks || out.provider_state ? out : undefined;
}

/** The state of one answer's message, and the tool-call ids to keep it under. */
function stateOf(message: Pick<AssistantMessage, 'thinking_blocks' | 'provider_state'>, toolCallIds: string[]): { ids: string[]; state: ReasoningState } | undefined {
  const state: ReasoningState = {};
  if (message.thinking_blocks?.length) state.thinking_blocks = message.thinking_blocks;
  if (message.provider_state && Object.keys(message.provider_state).length > 0) state.provider_state = message.provider_state;
  if (toolCallIds.length === 0 || (!state.thinking_blocks && !state.provider_state)) return undefined;
  return { ids: toolCallIds, state };
}

/**
 * The sink the answer goes to, keeping each answer's reasoning state before
 * its last bytes go out (the store bounds the wait). Stream chunks pass
 * through at once; what they carry is put back together on the way.
 */
export function captureReasoningState(store: ConversationStateStore, sink: ChatSink, scope: StateScope): ChatSink {
  const keep = async (found: Array<{ ids: string[]; state: ReasoningState } | undefined>): Promise<void> => {
    await Promise.all(
      found.map((f) =>
        f
          ? store.remember(
              f.ids.map((id) => stateKey(scope, id)),
              f.state,
              scope.endpoint,
            )
          : undefined,
      ),
    );
  };
  const streamed = new Map<number, { thinking: ThinkingBlockAssembler; state?: Record<string, unknown>; ids: string[] }>();
  return {
    ...sink,
    completion(completion, headers) {
      const found = completion.choices.map((c) => stateOf(c.message, (c.message.tool_calls ?? []).map((t) => t.id)));
      void keep(found).finally(() => sink.completion(completion, headers));
    },
    chunk(chunk) {
      for (const c of chunk.choices) {
        let acc = streamed.get(c.index);
        if (!acc) streamed.set(c.index, (acc = { thinking: new ThinkingBlockAssembler(), ids: [] }));
        acc.thinking.push(c.delta.thinking_blocks);
        if (c.delta.provider_state) acc.state = mergeProviderState(acc.state, c.delta.provider_state);
        for (const t of c.delta.tool_calls ?? []) if (t.id) acc.ids.push(t.id);
      }
      sink.chunk(chunk);
    },
    close(usage, last) {
      const found = [...streamed.values()].map((acc) => stateOf({ thinking_blocks: acc.thinking.blocks(), provider_state: acc.state }, acc.ids));
      void keep(found).finally(() => sink.close(usage, last));
    },
  };
}
