// Converse response to an OpenAI chat completion.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
import type { ChatCompletion, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { buildSingleChoiceCompletion } from '../shared/build-single-choice-completion';
import { isRecord, malformedResponse } from '../shared/errors';
import { mapBedrockStopReason } from './map-stop-reason';
import type { BedrockConverseResponse, BedrockUsage } from './types';

export function mapBedrockUsage(usage: BedrockUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion };
}

function asConverseResponse(body: unknown): BedrockConverseResponse {
  if (!isRecord(body)) throw malformedResponse('Bedrock', 'not a JSON object');
  const message = isRecord(body.output) ? body.output.message : undefined;
  if (!isRecord(message) || !Array.isArray(message.content)) throw malformedResponse('Bedrock', 'output.message.content is missing');
  return body as BedrockConverseResponse;
}

export function parseBedrockChatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const response = asConverseResponse(body);
  let content: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of response.output?.message?.content ?? []) {
    if (typeof block.text === 'string') content = (content ?? '') + block.text;
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
  });
}
