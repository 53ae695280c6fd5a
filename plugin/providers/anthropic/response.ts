// Anthropic Message -> ChatCompletion. Pure.
// https://platform.claude.com/docs/en/api/messages (response body)
import type { ChatCompletion, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { isRecord, malformedResponse } from '../shared/errors';
import { mapStopReason } from './stop-reason';
import type { AnthropicResponse, AnthropicToolUseBlock, AnthropicUsage } from './types';

export function parseAnthropicResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  if (!isRecord(body) || !Array.isArray(body.content)) throw malformedResponse('Anthropic', 'no content array');
  const msg = body as unknown as AnthropicResponse;
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      const b = block as AnthropicToolUseBlock;
      toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    }
    // thinking, redacted_thinking and server-tool blocks have no Chat Completions equivalent.
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: typeof msg.model === 'string' && msg.model ? msg.model : ctx.model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(msg.stop_reason ?? 'end_turn'), logprobs: null }],
    usage: toUsage(msg.usage ?? {}),
  };
}

/** Cache reads and writes are input the model processed: they count as prompt tokens. */
export function promptTokens(u: AnthropicUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

export function toUsage(u: AnthropicUsage): Usage {
  const prompt = promptTokens(u);
  const completion = u.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
