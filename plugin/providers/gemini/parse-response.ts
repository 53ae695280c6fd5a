// Gemini GenerateContentResponse to an OpenAI chat completion.
// Reference: https://ai.google.dev/api/generate-content#generatecontentresponse
import type { ChatCompletion, ToolCall, Usage } from '../../openai/types';
import type { GatewayError, ResponseContext } from '../contract';
import { malformedResponse } from '../shared/errors';
import { geminiInBodyError } from './parse-error';
import { mapGeminiFinishReason } from './map-finish-reason';
import { validateGeminiResponse } from './validate-response';
import { toProviderState } from './carry-thought-signatures';
import type { GeminiCandidate, GeminiErrorBody, GeminiGenerateContentResponse, GeminiProviderState, GeminiUsageMetadata } from './types';

export function invalidGeminiResponse(detail: string): GatewayError {
  return malformedResponse('Gemini', detail);
}

/** Checks the outer shape before anything reads it; throws for an error object or a non-object. */
export function asGeminiResponse(body: unknown): GeminiGenerateContentResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidGeminiResponse('not a JSON object');
  const value = body as Record<string, unknown>;
  if (typeof value.error === 'object' && value.error !== null) throw geminiInBodyError((value as unknown as GeminiErrorBody).error);
  return validateGeminiResponse(value);
}

/**
 * promptTokenCount already includes what was served from the cache
 * (cachedContentTokenCount). Thinking tokens are billed as output; OpenAI
 * counts reasoning in completion_tokens too, and names it in the details.
 * https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function mapGeminiUsage(usage: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!usage) return undefined;
  const prompt = usage.promptTokenCount ?? 0;
  const thoughts = usage.thoughtsTokenCount ?? 0;
  const completion = (usage.candidatesTokenCount ?? 0) + thoughts;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokenCount ?? prompt + completion };
  if ((usage.cachedContentTokenCount ?? 0) > 0) out.prompt_tokens_details = { cached_tokens: usage.cachedContentTokenCount };
  if (thoughts > 0) out.completion_tokens_details = { reasoning_tokens: thoughts };
  return out;
}

interface ConvertedCandidate {
  content: string | null;
  /** Thought summaries (asked for with includeThoughts). */
  reasoning: string;
  toolCalls: ToolCall[];
  state: GeminiProviderState;
}

function convertCandidate(candidate: GeminiCandidate, ctx: ResponseContext): ConvertedCandidate {
  let text: string | null = null;
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const state: GeminiProviderState = {};
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought === true) {
      if (typeof part.text === 'string') reasoning += part.text;
      // A thought part may carry the turn's signature too.
      if (part.thoughtSignature !== undefined) state.textSignature = part.thoughtSignature;
      continue;
    }
    if (part.functionCall) {
      const id = ctx.newId();
      toolCalls.push({ id, type: 'function', function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } });
      if (part.thoughtSignature !== undefined) (state.toolCallSignatures ??= {})[id] = part.thoughtSignature;
      continue;
    }
    if (typeof part.text === 'string') {
      text = (text ?? '') + part.text;
      if (part.thoughtSignature !== undefined) state.textSignature = part.thoughtSignature;
    } else if (part.thoughtSignature !== undefined) {
      // A signature may come on an empty part of its own at the end of the turn.
      state.textSignature = part.thoughtSignature;
    }
  }
  return { content: text, reasoning, toolCalls, state };
}

export function parseGeminiChatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const response = asGeminiResponse(body);
  const candidates = response.candidates ?? [];
  const choices: ChatCompletion['choices'] = candidates.map((candidate, i) => {
    const converted = convertCandidate(candidate, ctx);
    const providerState = toProviderState(converted.state);
    return {
      index: candidate.index ?? i,
      message: {
        role: 'assistant',
        content: converted.content,
        ...(converted.reasoning !== '' ? { reasoning_content: converted.reasoning } : {}),
        ...(converted.toolCalls.length > 0 ? { tool_calls: converted.toolCalls } : {}),
        ...(providerState ? { provider_state: providerState } : {}),
      },
      finish_reason: mapGeminiFinishReason(candidate.finishReason, converted.toolCalls.length > 0),
      logprobs: null,
    };
  });
  if (choices.length === 0 && response.promptFeedback?.blockReason !== undefined) {
    // The prompt itself was blocked: no candidate at all.
    choices.push({ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null });
  }
  if (choices.length === 0) throw invalidGeminiResponse('no candidates');
  const usage = mapGeminiUsage(response.usageMetadata);
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: response.modelVersion ?? ctx.model,
    choices,
    ...(usage ? { usage } : {}),
  };
}
