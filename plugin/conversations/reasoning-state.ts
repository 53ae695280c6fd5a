// Reasoning state across the turns of a chat conversation, even through
// clients that drop what they do not know (LiteLLM keeps neither
// `thinking_blocks` nor `provider_state` when Google ADK rebuilds the
// history). Anthropic needs the signed thinking of the assistant turn that
// called the tools back with the tool results; Gemini 3 needs the thought
// signature of each function call of the current turn.
//
// After an answer: its thinking_blocks and provider_state are kept in the
// conversation store under each of its tool-call ids (ids the provider or
// the gateway minted at random; the key also hashes the endpoint and the
// user, so no other conversation can name it). Text-only turns are not
// kept: no provider needs their state back (Anthropic drops earlier turns'
// thinking, Gemini validates only function calls).
// Before a request: every assistant message that calls tools but carries no
// state gets it back (the most recent MAX_LOOKUPS of them), looked up by its
// first tool-call id. Gemini validates the signatures of the current turn
// (since the last user message) and asks for all of them back; Anthropic
// needs the last one and ignores the rest.
//
// The pipeline hook is one wrapper around a chat ingress:
//   withReasoningState(openAiChatIngress)
// which restores in the ingress's `prepare` (after the endpoint is known,
// before budget admission, so restored thinking is counted) and keeps in
// its sink (the answer's last bytes wait for the store, see
// control-plane-conversation-store.ts).
import { createHash } from 'node:crypto';
import type { Endpoint } from '../contract';
import type { ChatSink, Ingress, IngressContext } from '../ingress/contract';
import { AssistantMessageAssembler } from '../openai/assemble-assistant-message';
import type { AssistantMessage, ChatChunk, ChatCompletion, ChatMessage, ChatRequest, ErrorBody, ThinkingBlock, Usage } from '../openai/types';
import { reasoningRequest } from '../providers/shared/reasoning-effort';
import { log } from '../log';
import type { ConversationStore } from './conversation-store';

/** What is kept per tool-call id. */
export interface ReasoningState {
  thinking_blocks?: ThinkingBlock[];
  provider_state?: Record<string, unknown>;
}

export interface StateScope {
  endpoint: string;
  user: string;
}

/** How long a turn's reasoning state is kept: longer than any tool a client runs between two turns. */
export const REASONING_STATE_TTL_MS = 24 * 3600 * 1000;
/** Most lookups one request makes: the latest tool-calling turns, where the signatures matter. */
const MAX_LOOKUPS = 16;

export function reasoningStateKey(scope: StateScope, toolCallId: string): string {
  const digest = createHash('sha256').update(`${scope.endpoint}\u0000${scope.user}\u0000${toolCallId}`).digest('base64url');
  return `chat-reasoning:${digest}`;
}

/** The ingress with reasoning state restored before a request and kept after its answer. */
export function withReasoningState(ingress: Ingress<ChatRequest, ChatSink>, now: () => number = Date.now): Ingress<ChatRequest, ChatSink> {
  return {
    ...ingress,
    async prepare(request, context) {
      const prepared = ingress.prepare ? await ingress.prepare(request, context) : { ok: true as const, value: request };
      if (!prepared.ok || !mayNeedReasoningState(context.endpoint, prepared.value)) return prepared;
      return { ok: true, value: await restoreReasoningState(context.conversations, prepared.value, scopeOf(context)) };
    },
    sink(res, request, context) {
      return captureReasoningState(context.conversations, ingress.sink(res, request, context), scopeOf(context), now);
    },
  };
}

function scopeOf(context: IngressContext): StateScope {
  return { endpoint: context.endpoint.name, user: context.user };
}

/**
 * Whether a request on this endpoint can use restored state: Gemini always
 * (Gemini 3 thinks by default and validates signatures), Anthropic and
 * Bedrock only when the request asks for thinking. Saves a lookup on every
 * tool turn of conversations that can never need one.
 */
export function mayNeedReasoningState(endpoint: Pick<Endpoint, 'destinations'>, request: ChatRequest): boolean {
  const providers = new Set(endpoint.destinations.map((d) => d.provider));
  if (providers.has('gemini')) return true;
  const asked = reasoningRequest(request);
  return (providers.has('anthropic') || providers.has('bedrock')) && asked !== undefined && asked.kind !== 'off';
}

export async function restoreReasoningState(store: ConversationStore, request: ChatRequest, scope: StateScope): Promise<ChatRequest> {
  const wanting = request.messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0 && !m.thinking_blocks?.length && !m.provider_state)
    .slice(-MAX_LOOKUPS);
  if (wanting.length === 0) return request;
  const found = await Promise.all(wanting.map(({ m }) => store.get<ReasoningState>(reasoningStateKey(scope, m.tool_calls![0]!.id))));
  const messages = [...request.messages];
  wanting.forEach(({ m, i }, k) => {
    const state = asReasoningState(found[k]?.value);
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
  const v = value as { thinking_blocks?: unknown; provider_state?: unknown };
  const out: ReasoningState = {};
  if (Array.isArray(v.thinking_blocks)) out.thinking_blocks = v.thinking_blocks;
  if (typeof v.provider_state === 'object' && v.provider_state !== null) out.provider_state = v.provider_state as Record<string, unknown>;
  return out.thinking_blocks || out.provider_state ? out : undefined;
}

/** The state of an answer's message, or undefined when it has none to keep or no tool call to key it by. */
function stateOf(message: AssistantMessage): ReasoningState | undefined {
  if (!message.tool_calls?.length) return undefined;
  const state: ReasoningState = {};
  if (message.thinking_blocks?.length) state.thinking_blocks = message.thinking_blocks;
  if (message.provider_state && Object.keys(message.provider_state).length > 0) state.provider_state = message.provider_state;
  return state.thinking_blocks || state.provider_state ? state : undefined;
}

/**
 * The sink the answer goes to, keeping each answer's reasoning state before
 * its last bytes go out. Stream chunks pass through at once; what they
 * carry is put back together on the way.
 */
export function captureReasoningState(store: ConversationStore, sink: ChatSink, scope: StateScope, now: () => number = Date.now): ChatSink {
  return new ReasoningStateSink(store, sink, scope, now);
}

/** A class that delegates, not a spread of the sink with closures: one object per open stream. */
class ReasoningStateSink implements ChatSink {
  // What stateOf reads (tool calls, thinking blocks, provider state), not the answer's text.
  private readonly streamed = new AssistantMessageAssembler(false);

  constructor(
    private readonly store: ConversationStore,
    private readonly sink: ChatSink,
    private readonly scope: StateScope,
    private readonly now: () => number,
  ) {}

  async completion(completion: ChatCompletion, headers: Record<string, string>): Promise<void> {
    // Every choice that called tools (n > 1 gives several).
    await Promise.all(completion.choices.map((c) => this.keep(c.message)));
    await this.sink.completion(completion, headers);
  }

  open(headers: Record<string, string>): void {
    this.sink.open(headers);
  }

  chunk(chunk: ChatChunk): void {
    this.streamed.push(chunk);
    this.sink.chunk(chunk);
  }

  async close(usage: Usage, last: Parameters<ChatSink['close']>[1]): Promise<void> {
    await this.keep(this.streamed.message());
    await this.sink.close(usage, last);
  }

  streamError(error: ErrorBody): void {
    this.sink.streamError(error);
  }

  error(status: number, error: ErrorBody, headers: Record<string, string>): void {
    this.sink.error(status, error, headers);
  }

  private async keep(message: AssistantMessage): Promise<void> {
    const state = stateOf(message);
    if (!state) return;
    const { scope } = this;
    const record = { value: state, endpoint: scope.endpoint, user: scope.user, expiresAt: this.now() + REASONING_STATE_TTL_MS };
    try {
      await Promise.all(message.tool_calls!.map((call) => this.store.put(reasoningStateKey(scope, call.id), record)));
    } catch (err) {
      // The answer goes out regardless; only a later turn on another node may miss the state.
      log.warn('reasoning state: could not keep it', { error: (err as Error).message });
    }
  }
}
