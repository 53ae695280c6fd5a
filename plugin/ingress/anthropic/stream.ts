// OpenAI chunks -> Anthropic stream events, the way Anthropic emits them:
//   message_start
//   content_block_start / content_block_delta* / content_block_stop   per block
//   message_delta (stop_reason, usage)
//   message_stop
// Text is one block; each OpenAI tool call (by its `index`) is a tool_use
// block of its own. Anthropic blocks do not interleave, so a new tool call
// closes the block before it.
//
// Provider state (Gemini thought signatures, see provider-state.ts) is one
// redacted_thinking block, emitted LAST: after the final content block is
// closed and before message_delta, with the deep merge of every delta's
// provider_state. Not first, as in the non-streamed message, because
//   - a redacted_thinking block has no delta type: its data is fixed by its
//     content_block_start, so it can only go out once the state is whole;
//   - the state arrives in pieces up to the end of the stream (Gemini signs
//     the first tool call, and a text part's signature often comes on the
//     last part), so no earlier point knows the whole state;
//   - block indexes must increase, so the block cannot be slotted in at 0
//     after other blocks went out.
// The request side reads the block wherever it stands in the assistant turn.
// https://platform.claude.com/docs/en/build-with-claude/streaming
// Stateful per request, pure otherwise: ids come from the chunks or the injected generator.
import type { ChatChunk, ChunkDelta, ToolCallDelta, Usage } from '../../openai/types';
import { toAnthropicUsage } from './from-openai-response';
import { mapFinishReason, messageId } from './map-stop-reason';
import { mergeProviderState, providerStateBlock } from './provider-state';
import type { AnthropicStopReason, AnthropicStreamEvent } from './types';

export interface StreamTranslatorOptions {
  /** Model to report when the chunks carry none. */
  model: string;
  /** Id for a tool call whose first delta has none (OpenAI always sends one). */
  newToolId: () => string;
}

type OpenBlock = { kind: 'text' | 'tool' | 'thinking'; index: number };

export class AnthropicStreamTranslator {
  private started = false;
  private ended = false;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  /** OpenAI tool_call index -> Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: ChatChunk['choices'][number]['finish_reason'] = null;
  private usage: Usage | undefined;
  /** The merge of every delta's provider_state so far. */
  private providerState: Record<string, unknown> | undefined;

  constructor(private readonly options: StreamTranslatorOptions) {}

  /** Events for one OpenAI chunk (possibly none). */
  push(chunk: ChatChunk): AnthropicStreamEvent[] {
    if (this.ended) return [];
    const out: AnthropicStreamEvent[] = [];
    if (chunk.usage) this.usage = chunk.usage;
    this.start(chunk.id, chunk.model, out);
    // The gateway asks for one choice; others (n > 1) have no place in an Anthropic message.
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const { delta } = choice;
      this.reasoning(delta, out);
      if (delta.content) this.text(delta.content, out);
      if (delta.refusal) this.text(delta.refusal, out);
      for (const call of delta.tool_calls ?? []) this.tool(call, out);
      if (delta.provider_state && Object.keys(delta.provider_state).length > 0)
        this.providerState = mergeProviderState(this.providerState, delta.provider_state);
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return out;
  }

  /** The closing events once the OpenAI stream ended well; `usage` is the provider's final count. */
  finish(usage: Usage | undefined, last: { id: string; model: string }): AnthropicStreamEvent[] {
    if (this.ended) return [];
    const out: AnthropicStreamEvent[] = [];
    this.start(last.id, last.model, out);
    this.closeOpen(out);
    if (this.providerState) {
      const index = this.nextIndex++;
      out.push({ type: 'content_block_start', index, content_block: providerStateBlock(this.providerState) });
      out.push({ type: 'content_block_stop', index });
    }
    this.ended = true;
    const final = usage ?? this.usage;
    const stopReason: AnthropicStopReason = mapFinishReason(this.finishReason, this.toolBlocks.size > 0);
    // message_delta usage is cumulative; input_tokens is repeated there because
    // message_start went out before the provider reported it.
    out.push({
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: final ? toAnthropicUsage(final) : { output_tokens: 0 },
    });
    out.push({ type: 'message_stop' });
    return out;
  }

  /** The stream broke after it was committed: Anthropic sends an `error` event and nothing more. */
  fail(error: { type: string; message: string }): AnthropicStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [{ type: 'error', error: { type: error.type, message: error.message } }];
  }

  private start(id: string, model: string, out: AnthropicStreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({
      type: 'message_start',
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model: model || this.options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...toAnthropicUsage(this.usage), output_tokens: 0 },
      },
    });
  }

  /**
   * Reasoning becomes thinking blocks, as Anthropic streams them: text as
   * thinking_delta, the signature as signature_delta closing the block;
   * another model's reasoning stays an unsigned thinking block. A redacted
   * block comes whole.
   */
  private reasoning(delta: ChunkDelta, out: AnthropicStreamEvent[]): void {
    const pieces = delta.thinking_blocks ?? [];
    const text = delta.reasoning_content ?? pieces.map((p) => (p.type === 'thinking' ? p.thinking : '')).join('');
    if (text) {
      if (this.open?.kind !== 'thinking') this.startThinking(out);
      out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'thinking_delta', thinking: text } });
    }
    for (const piece of pieces) {
      if (piece.type === 'redacted_thinking') {
        this.closeOpen(out);
        const index = this.nextIndex++;
        out.push({ type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: piece.data } });
        out.push({ type: 'content_block_stop', index });
      } else if (piece.signature) {
        if (this.open?.kind !== 'thinking') this.startThinking(out);
        out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'signature_delta', signature: piece.signature } });
        this.closeOpen(out);
      }
    }
  }

  private startThinking(out: AnthropicStreamEvent[]): void {
    this.closeOpen(out);
    this.open = { kind: 'thinking', index: this.nextIndex++ };
    out.push({ type: 'content_block_start', index: this.open.index, content_block: { type: 'thinking', thinking: '', signature: '' } });
  }

  private text(text: string, out: AnthropicStreamEvent[]): void {
    if (this.open?.kind !== 'text') {
      this.closeOpen(out);
      this.open = { kind: 'text', index: this.nextIndex++ };
      out.push({ type: 'content_block_start', index: this.open.index, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index: this.open.index, delta: { type: 'text_delta', text } });
  }

  private tool(call: ToolCallDelta, out: AnthropicStreamEvent[]): void {
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      this.closeOpen(out);
      index = this.nextIndex++;
      this.toolBlocks.set(call.index, index);
      this.open = { kind: 'tool', index };
      const id = call.id || this.options.newToolId();
      out.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: call.function?.name ?? '', input: {} } });
    }
    // A late piece for a tool call whose block is already closed (a provider
    // interleaving parallel calls) still goes to that call's own index: the
    // Anthropic SDKs accumulate by index, so no argument text is lost.
    const args = call.function?.arguments;
    if (args) out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
  }

  private closeOpen(out: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    out.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }
}

/** One event in Anthropic's SSE framing. */
export function serializeEvent(event: AnthropicStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
