// A streamed answer, put back together: the assistant message the chunks
// add up to (text, refusal, tool calls by index, reasoning text, signed
// thinking blocks and provider state), and its finish reason. What a whole
// (non-streamed) completion would have said.
import type { AssistantMessage, ChatChunk, FinishReason, ThinkingBlock, ToolCall } from './types';

export class AssistantMessageAssembler {
  private content = '';
  private refusal = '';
  private reasoning = '';
  private calls: Map<number, ToolCall> | undefined; // made with the first tool call
  private thinking: ThinkingBlock[] = [];
  private state: Record<string, unknown> | undefined;
  finishReason: FinishReason | null = null;

  /**
   * @param keepText false: the text, refusal and reasoning text are not kept (the message has none), for
   * a stream whose end needs only its tool calls, thinking blocks and provider state: an answer's text
   * would otherwise stay held for the whole stream.
   */
  constructor(private readonly keepText = true) {}

  push(chunk: ChatChunk): void {
    const choice = chunk.choices[0];
    if (!choice) return;
    const d = choice.delta;
    if (this.keepText) {
      if (d.content) this.content += d.content;
      if (d.refusal) this.refusal += d.refusal;
      if (d.reasoning_content) this.reasoning += d.reasoning_content;
    }
    for (const piece of d.thinking_blocks ?? []) this.thinking = addThinkingPiece(this.thinking, piece);
    if (d.provider_state) this.state = mergeState(this.state, d.provider_state);
    for (const delta of d.tool_calls ?? []) {
      this.calls ??= new Map();
      const call = this.calls.get(delta.index);
      if (!call) {
        this.calls.set(
          delta.index,
          delta.type === 'custom'
            ? { id: delta.id ?? '', type: 'custom', custom: { name: delta.custom?.name ?? '', input: delta.custom?.input ?? '' } }
            : { id: delta.id ?? '', type: 'function', function: { name: delta.function?.name ?? '', arguments: delta.function?.arguments ?? '' } },
        );
      } else if (call.type === 'function') {
        call.function.arguments += delta.function?.arguments ?? '';
        if (delta.function?.name) call.function.name ||= delta.function.name;
        if (delta.id) call.id ||= delta.id;
      } else {
        call.custom.input += delta.custom?.input ?? '';
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  message(): AssistantMessage {
    const calls = [...(this.calls?.entries() ?? [])].sort(([a], [b]) => a - b).map(([, c]) => c);
    return {
      role: 'assistant',
      content: this.content || null,
      ...(this.refusal ? { refusal: this.refusal } : {}),
      ...(calls.length ? { tool_calls: calls } : {}),
      ...(this.reasoning ? { reasoning_content: this.reasoning } : {}),
      ...(this.thinking.length ? { thinking_blocks: this.thinking } : {}),
      ...(this.state ? { provider_state: this.state } : {}),
    };
  }
}

/**
 * Thinking arrives in pieces (LiteLLM's streaming shape): text pieces of one
 * block, then a piece with its signature, which ends the block; a redacted
 * block comes whole.
 */
export function addThinkingPiece(blocks: ThinkingBlock[], piece: ThinkingBlock): ThinkingBlock[] {
  const last = blocks.at(-1);
  if (piece.type === 'thinking' && last?.type === 'thinking' && last.signature === undefined) {
    const merged: ThinkingBlock = {
      type: 'thinking',
      thinking: last.thinking + piece.thinking,
      ...(piece.signature !== undefined ? { signature: piece.signature } : {}),
    };
    return [...blocks.slice(0, -1), merged];
  }
  return [...blocks, { ...piece }];
}

/** Deep merge of provider_state pieces (a stream's deltas each carry their own part); later scalars win. */
export function mergeState(into: Record<string, unknown> | undefined, piece: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(into ?? {}) };
  for (const [key, value] of Object.entries(piece)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeState(prev, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
