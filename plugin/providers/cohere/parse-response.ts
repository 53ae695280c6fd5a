// Cohere v2 chat response to an OpenAI chat completion.
// Reference: https://docs.cohere.com/reference/chat (response)
import type { ChatCompletion, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { buildSingleChoiceCompletion } from '../shared/build-single-choice-completion';
import { createJsonMinifier } from '../shared/json-minify';
import { cohereGenerationError } from './parse-error';
import type { CohereUsage } from './types';
import { validateCohereResponse } from './validate-response';
import { mapCohereFinishReason } from './map-finish-reason';

/**
 * Billed units are what Cohere charges (the prompt without its own
 * preamble); they are preferred so budgets match the invoice. `tokens` is
 * the fallback.
 */
export function mapCohereUsage(usage: CohereUsage | undefined): Usage | undefined {
  const counts = usage?.billed_units ?? usage?.tokens;
  if (!counts) return undefined;
  const prompt = counts.input_tokens ?? 0;
  const completion = counts.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Cohere pretty-prints arguments; the stream gets the same minified text, so both paths agree. */
export function minifyArguments(args: string): string {
  return args === '' ? '{}' : createJsonMinifier().push(args);
}

export function parseCohereChatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const response = validateCohereResponse(body);
  if (response.finish_reason === 'ERROR') throw cohereGenerationError(undefined);
  const texts = (response.message?.content ?? []).filter((c) => c.type === 'text' && typeof c.text === 'string').map((c) => c.text!);
  const thoughts = (response.message?.content ?? []).filter((c) => c.type === 'thinking' && typeof c.thinking === 'string').map((c) => c.thinking!);
  const toolCalls: ToolCall[] = (response.message?.tool_calls ?? []).map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.function.name, arguments: minifyArguments(c.function.arguments) },
  }));
  return buildSingleChoiceCompletion(ctx, {
    content: texts.length > 0 ? texts.join('') : null,
    toolCalls,
    finishReason: mapCohereFinishReason(response.finish_reason, toolCalls.length > 0),
    usage: mapCohereUsage(response.usage),
    ...(thoughts.length > 0 ? { reasoning: thoughts.join('') } : {}),
  });
}
