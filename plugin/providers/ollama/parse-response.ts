// Ollama /api/chat response to an OpenAI chat completion. Ollama has no
// tool-call ids, so each call gets one from ctx.newId.
import type { ChatCompletion, FunctionToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { buildSingleChoiceCompletion } from '../shared/build-single-choice-completion';
import { isRecord, malformedResponse } from '../shared/errors';
import { ollamaStreamError } from './parse-error';
import { validateOllamaResponse } from './validate-response';
import type { OllamaChatResponse, OllamaToolCall } from './types';
import { mapOllamaDoneReason } from './map-finish-reason';

export function asOllamaResponse(body: unknown): OllamaChatResponse {
  if (!isRecord(body)) throw malformedResponse('Ollama', 'not a JSON object');
  if (typeof body.error === 'string') throw ollamaStreamError(body.error);
  return validateOllamaResponse(body);
}

export function mapOllamaUsage(r: OllamaChatResponse): Usage | undefined {
  if (r.prompt_eval_count === undefined && r.eval_count === undefined) return undefined;
  const prompt = r.prompt_eval_count ?? 0;
  const completion = r.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function toToolCall(call: OllamaToolCall, ctx: ResponseContext): FunctionToolCall {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the schema (validate-response.ts) lets arguments be null
  return { id: ctx.newId(), type: 'function', function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) } };
}

export function parseOllamaChatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const response = asOllamaResponse(body);
  const toolCalls = (response.message?.tool_calls ?? []).map((c) => toToolCall(c, ctx));
  const content = response.message?.content ?? '';
  return buildSingleChoiceCompletion(ctx, {
    model: response.model,
    // Ollama sends "" next to tool calls; OpenAI sends null.
    content: content === '' && toolCalls.length > 0 ? null : content,
    toolCalls,
    finishReason: mapOllamaDoneReason(response.done_reason, toolCalls.length > 0),
    usage: mapOllamaUsage(response),
    ...(response.message?.thinking ? { reasoning: response.message.thinking } : {}),
  });
}
