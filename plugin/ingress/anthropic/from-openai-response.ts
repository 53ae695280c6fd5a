// OpenAI ChatCompletion -> Anthropic Message. Pure.
// https://platform.claude.com/docs/en/api/messages (response: content, stop_reason, usage)
import { toolCallInput } from '../../openai/tool-call-input';
import type { ChatCompletion, ThinkingBlock, ToolCall, Usage } from '../../openai/types';
import { AnthropicResponseError } from './errors';
import { mapFinishReason, messageId } from './map-stop-reason';
import { providerStateBlock } from './provider-state';
import type { AnthropicMessageResponse, AnthropicMessageUsage, AnthropicRedactedThinkingBlock, AnthropicTextBlock, AnthropicToolUseBlock } from './types';
import type { AnthropicThinkingBlock } from '../../providers/anthropic/types';

/** Throws AnthropicResponseError when a tool call's arguments are not a JSON object. */
export function toAnthropicMessage(completion: ChatCompletion): AnthropicMessageResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: Array<AnthropicThinkingBlock | AnthropicRedactedThinkingBlock | AnthropicTextBlock | AnthropicToolUseBlock> = [];
  // Reasoning first, where Anthropic puts it: Claude's own signed blocks as they were, or
  // another model's reasoning text as an unsigned thinking block (shown, never sent back).
  content.push(...thinkingContent(message?.thinking_blocks, message?.reasoning_content));
  // Provider state (Gemini thought signatures) rides in a marked redacted_thinking block;
  // the client sends it back with the turn (see provider-state.ts).
  const state = message?.provider_state;
  if (state && Object.keys(state).length > 0) content.push(providerStateBlock(state));
  // A refusal is what the model said; Anthropic has no separate field for it.
  const text = message?.content || message?.refusal || '';
  if (text !== '') content.push({ type: 'text', text });
  const calls = message?.tool_calls ?? [];
  for (const call of calls) content.push(toolUse(call));
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: mapFinishReason(choice?.finish_reason, calls.length > 0),
    stop_sequence: null,
    usage: toAnthropicUsage(completion.usage),
  };
}

export function thinkingContent(
  blocks: ThinkingBlock[] | undefined,
  reasoning: string | undefined,
): Array<AnthropicThinkingBlock | AnthropicRedactedThinkingBlock> {
  if (blocks && blocks.length > 0) {
    return blocks.map((b) =>
      b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature ?? '' } : { type: 'redacted_thinking', data: b.data },
    );
  }
  return reasoning ? [{ type: 'thinking', thinking: reasoning, signature: '' }] : [];
}

/** Anthropic's usage: input_tokens is the input neither read from nor written to the cache. */
export function toAnthropicUsage(usage: Usage | undefined): AnthropicMessageUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  const out: AnthropicMessageUsage = {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached - written),
    output_tokens: usage?.completion_tokens ?? 0,
  };
  if (cached > 0 || written > 0) {
    out.cache_creation_input_tokens = written;
    out.cache_read_input_tokens = cached;
  }
  return out;
}

function toolUse(call: ToolCall): AnthropicToolUseBlock {
  return { type: 'tool_use', id: call.id, name: toolCallInput(call).name, input: parseInput(call) };
}

/** Anthropic's tool input is an object; OpenAI's arguments are a JSON string the model wrote. */
function parseInput(call: ToolCall): Record<string, unknown> {
  const { name, text: args } = toolCallInput(call);
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new AnthropicResponseError(`the model called tool ${JSON.stringify(name)} with arguments that are not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AnthropicResponseError(`the model called tool ${JSON.stringify(name)} with arguments that are not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
