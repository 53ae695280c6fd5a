// Anthropic Message -> ChatCompletion. Pure.
// https://platform.claude.com/docs/en/api/messages (response body)
import type { AssistantMessage, ChatCompletion, ThinkingBlock, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { mapStopReason } from './map-finish-reason';
import { validateAnthropicResponse } from './validate-response';
import type { AnthropicThinkingBlock, AnthropicToolUseBlock, AnthropicUsage } from './types';

export function parseAnthropicResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const msg = validateAnthropicResponse(body);
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      // The schema (validate-response.ts) lets input be absent.
      const b = block as Omit<AnthropicToolUseBlock, 'input'> & { input?: unknown };
      toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    } else if (block.type === 'thinking') {
      // The schema lets thinking be absent too.
      const b = block as Omit<AnthropicThinkingBlock, 'thinking'> & { thinking?: string };
      reasoning += b.thinking ?? '';
      thinking.push({ type: 'thinking', thinking: b.thinking ?? '', signature: b.signature });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      thinking.push({ type: 'redacted_thinking', data: block.data });
    }
    // Server-tool blocks have no Chat Completions equivalent.
  }
  const message: AssistantMessage = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (thinking.length > 0) message.thinking_blocks = thinking;
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: typeof msg.model === 'string' && msg.model ? msg.model : ctx.model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(msg.stop_reason ?? 'end_turn'), logprobs: null }],
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the schema lets usage be absent
    usage: toUsage(msg.usage ?? {}),
  };
}

/** Cache reads and writes are input the model processed: they count as prompt tokens. */
export function promptTokens(u: AnthropicUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

/**
 * OpenAI's usage: cache reads and writes are part of prompt_tokens and named
 * in prompt_tokens_details. Anthropic counts thinking inside output_tokens
 * and reports no separate figure (Claude 4 bills the full thinking while
 * returning a summary, so counting the text would be wrong): no
 * reasoning_tokens.
 */
export function toUsage(u: AnthropicUsage): Usage {
  const prompt = promptTokens(u);
  const completion = u.output_tokens ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = u.cache_read_input_tokens ?? 0;
  const written = u.cache_creation_input_tokens ?? 0;
  if (cached > 0 || written > 0) usage.prompt_tokens_details = { cached_tokens: cached, ...(written > 0 ? { cache_write_tokens: written } : {}) };
  return usage;
}
