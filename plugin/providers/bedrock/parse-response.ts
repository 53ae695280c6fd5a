// Converse response to an OpenAI chat completion.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
import type { ChatCompletion, ThinkingBlock, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { buildSingleChoiceCompletion } from '../shared/build-single-choice-completion';
import { mapBedrockStopReason } from './map-finish-reason';
import type { BedrockUsage } from './types';
import { validateBedrockResponse } from './validate-response';

/**
 * inputTokens is the input neither read from nor written to the cache
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html):
 * OpenAI's prompt_tokens is all three. Claude's thinking is inside
 * outputTokens, with no separate count.
 */
export function mapBedrockUsage(usage: BedrockUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const read = usage.cacheReadInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + read + written;
  const completion = usage.outputTokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion };
  if (read > 0 || written > 0) out.prompt_tokens_details = { cached_tokens: read, ...(written > 0 ? { cache_write_tokens: written } : {}) };
  return out;
}

export function parseBedrockChatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const response = validateBedrockResponse(body);
  let content: string | null = null;
  let reasoning = '';
  const thinkingBlocks: ThinkingBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of response.output?.message?.content ?? []) {
    if (typeof block.text === 'string') content = (content ?? '') + block.text;
    const r = block.reasoningContent;
    if (r?.reasoningText) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the schema (validate-response.ts) lets text be absent
      reasoning += r.reasoningText.text ?? '';
      thinkingBlocks.push({
        type: 'thinking',
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above
        thinking: r.reasoningText.text ?? '',
        ...(r.reasoningText.signature ? { signature: r.reasoningText.signature } : {}),
      });
    }
    if (typeof r?.redactedContent === 'string') thinkingBlocks.push({ type: 'redacted_thinking', data: r.redactedContent });
    if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: 'function',
        function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    }
  }
  return buildSingleChoiceCompletion(ctx, {
    content,
    toolCalls,
    finishReason: mapBedrockStopReason(response.stopReason, toolCalls.length > 0),
    usage: mapBedrockUsage(response.usage),
    reasoning,
    thinkingBlocks,
  });
}
