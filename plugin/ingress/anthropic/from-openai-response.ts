// OpenAI ChatCompletion -> Anthropic Message. Pure.
// https://platform.claude.com/docs/en/api/messages (response: content, stop_reason, usage)
import { toolCallInput } from '../../openai/tool-call-input';
import type { ChatCompletion, ToolCall } from '../../openai/types';
import { AnthropicResponseError } from './errors';
import { mapFinishReason, messageId } from './map-stop-reason';
import { providerStateBlock } from './provider-state';
import type { AnthropicMessageResponse, AnthropicRedactedThinkingBlock, AnthropicTextBlock, AnthropicToolUseBlock } from './types';

/** Throws AnthropicResponseError when a tool call's arguments are not a JSON object. */
export function toAnthropicMessage(completion: ChatCompletion): AnthropicMessageResponse {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: Array<AnthropicRedactedThinkingBlock | AnthropicTextBlock | AnthropicToolUseBlock> = [];
  // Provider state (Gemini thought signatures) goes first, where Anthropic puts its own
  // thinking blocks; the client sends it back with the turn (see provider-state.ts).
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
    usage: { input_tokens: completion.usage?.prompt_tokens ?? 0, output_tokens: completion.usage?.completion_tokens ?? 0 },
  };
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
