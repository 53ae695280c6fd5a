// OpenAI-compatible SSE chunks -> the gateway's ChatChunks. The wire format
// is already OpenAI's; this transformer normalizes what servers get wrong:
// missing or reused tool-call indexes, missing ids, `stop` after tool calls,
// usage on every chunk, usage-only and filter-only chunks with no choices.
/* eslint-disable @typescript-eslint/no-unnecessary-condition -- stream chunks are cast, not schema-checked (unlike whole answers): servers send null where the types say a value */
import type { ChatChunk, ChatRequest, ChunkDelta, ToolCallDelta, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { isRecord, malformedResponse, parseEventJson } from '../shared/errors';
import { streamErrorToProviderError } from './parse-error';
import { mapFinishReason } from './map-finish-reason';
import { reasoningOf, toUsage } from './parse-response';
import type { NativeChoice, NativeCompletion, NativeToolCall } from './types';

interface ChoiceState {
  sentRole: boolean;
  /** upstream tool-call index -> OpenAI index; made with the first tool call (a stream holds its state while it runs). */
  byUpstreamIndex?: Map<number, number>;
  byId?: Map<string, number>;
  nextIndex: number;
  lastIndex: number;
}

export function createCompatibleStreamTransformer(ctx: ResponseContext, _req: ChatRequest, provider: string): StreamTransformer {
  return new CompatibleStreamTransformer(ctx, provider);
}

/**
 * A class, not closures over shared state: one object per open stream instead
 * of a closure per method and a context (~0.6 KiB less for each stream).
 */
class CompatibleStreamTransformer implements StreamTransformer {
  private readonly choices = new Map<number, ChoiceState>();
  private reported: Usage | undefined;
  private done = false;

  constructor(
    private readonly ctx: ResponseContext,
    private readonly provider: string,
  ) {}

  push(event: StreamEvent): ChatChunk[] {
    if (event.framing !== 'sse') return [];
    const data = event.data.trim();
    if (data === '') return [];
    if (data === '[DONE]') {
      this.done = true;
      return [];
    }
    const { ctx, provider } = this;
    const parsed = parseEventJson(provider, data);
    if (!isRecord(parsed)) throw malformedResponse(provider, 'stream event is not an object');
    const native = parsed as NativeCompletion;
    if (native.error !== undefined || event.event === 'error') throw streamErrorToProviderError(provider, native.error ?? parsed);
    const u = toUsage(native.usage);
    if (u) this.reported = u;
    const out = (native.choices ?? []).map((c, position) => this.toChoice(c, position)).filter((c): c is NonNullable<typeof c> => c !== undefined);
    if (out.length === 0) return [];
    const chunk: ChatChunk = {
      id: ctx.id,
      object: 'chat.completion.chunk',
      created: ctx.created,
      model: typeof native.model === 'string' && native.model ? native.model : ctx.model,
      choices: out,
    };
    if (native.system_fingerprint !== undefined) chunk.system_fingerprint = native.system_fingerprint;
    return [chunk];
  }

  end(): ChatChunk[] {
    return [];
  }

  usage(): Usage | undefined {
    return this.reported;
  }

  completed(): boolean {
    return this.done;
  }

  private stateOf(i: number): ChoiceState {
    let s = this.choices.get(i);
    if (!s) {
      s = { sentRole: false, nextIndex: 0, lastIndex: -1 };
      this.choices.set(i, s);
    }
    return s;
  }

  private toChoice(c: NativeChoice, position: number): ChatChunk['choices'][number] | undefined {
    const index = c.index ?? position;
    const s = this.stateOf(index);
    const d = c.delta ?? {};
    const delta: ChunkDelta = {};
    if (!s.sentRole) {
      delta.role = 'assistant';
      s.sentRole = true;
    }
    if (typeof d.content === 'string') delta.content = d.content;
    if (typeof d.refusal === 'string') delta.refusal = d.refusal;
    const reasoning = reasoningOf(d);
    if (reasoning) delta.reasoning_content = reasoning;
    if (Array.isArray(d.thinking_blocks) && d.thinking_blocks.length > 0) delta.thinking_blocks = d.thinking_blocks;
    if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) delta.tool_calls = d.tool_calls.map((tc) => this.toolDelta(s, tc));
    const finish = mapFinishReason(c.finish_reason, s.nextIndex > 0);
    if (Object.keys(delta).length === 0 && finish === null) return undefined;
    return { index, delta, finish_reason: finish, logprobs: null };
  }

  private toolDelta(s: ChoiceState, tc: NativeToolCall): ToolCallDelta {
    const byId = (s.byId ??= new Map<string, number>());
    const byUpstreamIndex = (s.byUpstreamIndex ??= new Map<number, number>());
    let index: number | undefined;
    /** Set only when this delta starts a call (ids repeated on later deltas are not re-sent). */
    let id: string | undefined;
    if (tc.id && byId.has(tc.id)) index = byId.get(tc.id);
    else if (tc.id) {
      id = tc.id;
      index = s.nextIndex++;
      byId.set(id, index);
      if (tc.index !== undefined) byUpstreamIndex.set(tc.index, index);
    } else if (tc.index !== undefined && byUpstreamIndex.has(tc.index)) {
      index = byUpstreamIndex.get(tc.index);
    } else if (tc.index !== undefined || tc.function?.name) {
      // A new call the server sent without an id: name it so clients can answer it.
      id = this.ctx.newId();
      index = s.nextIndex++;
      byId.set(id, index);
      if (tc.index !== undefined) byUpstreamIndex.set(tc.index, index);
    } else {
      index = s.lastIndex;
    }
    const i = index ?? 0;
    s.lastIndex = i;
    const out: ToolCallDelta = { index: i };
    if (tc.custom || tc.type === 'custom') {
      // OpenAI's custom tools stream their free-form input as `custom.input` pieces.
      if (id) out.id = id;
      if (tc.type === 'custom') out.type = 'custom';
      out.custom = { ...(tc.custom?.name ? { name: tc.custom.name } : {}), ...(tc.custom?.input !== undefined ? { input: tc.custom.input } : {}) };
      return out;
    }
    const args = tc.function?.arguments;
    const fn: { name?: string; arguments?: string } = {};
    if (tc.function?.name) fn.name = tc.function.name;
    if (args !== undefined && args !== null) fn.arguments = typeof args === 'string' ? args : JSON.stringify(args);
    if (id) {
      // First delta of a call: id, type and name together, as OpenAI sends it.
      out.id = id;
      out.type = 'function';
      out.function = { name: fn.name ?? '', arguments: fn.arguments ?? '' };
    } else if (fn.name !== undefined || fn.arguments !== undefined) {
      out.function = fn;
    }
    return out;
  }
}
