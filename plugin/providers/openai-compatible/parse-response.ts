// Native OpenAI-compatible response -> the gateway's ChatCompletion. Pure.
import type { ChatCompletion, EmbeddingsResponse, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';
import { mapFinishReason } from './map-finish-reason';
import type { NativeReasoning, NativeToolCall, NativeUsage } from './types';
import { validateCompatibleEmbeddings, validateCompatibleResponse } from './validate-response';

export function parseChatResponse(body: unknown, ctx: ResponseContext, provider: string): ChatCompletion {
  const native = validateCompatibleResponse(provider, body);
  const out: ChatCompletion = {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: typeof native.model === 'string' && native.model ? native.model : ctx.model,
    choices: native.choices.map((c, i) => {
      const m = c.message ?? {};
      const toolCalls = (m.tool_calls ?? []).map((tc) => toToolCall(tc, ctx));
      const message: ChatCompletion['choices'][number]['message'] = {
        role: 'assistant',
        content: typeof m.content === 'string' ? m.content : null,
      };
      if (toolCalls.length > 0) message.tool_calls = toolCalls;
      if (typeof m.refusal === 'string') message.refusal = m.refusal;
      const reasoning = reasoningOf(m);
      if (reasoning) message.reasoning_content = reasoning;
      if (Array.isArray(m.thinking_blocks) && m.thinking_blocks.length > 0) message.thinking_blocks = m.thinking_blocks;
      return { index: c.index ?? i, message, finish_reason: mapFinishReason(c.finish_reason ?? 'stop', toolCalls.length > 0), logprobs: null };
    }),
  };
  const usage = toUsage(native.usage);
  if (usage) out.usage = usage;
  if (native.system_fingerprint !== undefined) out.system_fingerprint = native.system_fingerprint;
  return out;
}

/** The reasoning text under whichever name the server uses (see NativeReasoning). */
export function reasoningOf(m: NativeReasoning): string | undefined {
  if (typeof m.reasoning_content === 'string' && m.reasoning_content !== '') return m.reasoning_content;
  return typeof m.reasoning === 'string' && m.reasoning !== '' ? m.reasoning : undefined;
}

function toToolCall(tc: NativeToolCall, ctx: ResponseContext): ToolCall {
  if (tc.type === 'custom' && tc.custom)
    return { id: tc.id || ctx.newId(), type: 'custom', custom: { name: tc.custom.name ?? '', input: tc.custom.input ?? '' } };
  const args = tc.function?.arguments;
  return {
    id: tc.id || ctx.newId(),
    type: 'function',
    function: { name: tc.function?.name ?? '', arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

/**
 * OpenAI's usage with the cache and reasoning details kept (cached_tokens is
 * part of prompt_tokens, reasoning_tokens part of completion_tokens); other
 * servers' extra counters are dropped. DeepSeek names its cache hits
 * prompt_cache_hit_tokens.
 */
export function toUsage(u: NativeUsage | null | undefined): Usage | undefined {
  if (!u || (u.prompt_tokens === undefined && u.completion_tokens === undefined)) return undefined;
  const prompt = u.prompt_tokens ?? 0;
  const completion = u.completion_tokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.total_tokens ?? prompt + completion };
  const cached = u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? 0;
  const written = u.prompt_tokens_details?.cache_write_tokens ?? 0;
  const reasoning = u.completion_tokens_details?.reasoning_tokens ?? 0;
  if (cached > 0 || written > 0) out.prompt_tokens_details = { cached_tokens: cached, ...(written > 0 ? { cache_write_tokens: written } : {}) };
  if (reasoning > 0) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

export function parseEmbeddingsResponse(body: unknown, ctx: ResponseContext, provider: string): EmbeddingsResponse {
  const native = validateCompatibleEmbeddings(provider, body);
  const prompt = native.usage?.prompt_tokens ?? 0;
  return {
    object: 'list',
    data: native.data.map((d, i) => ({ object: 'embedding', index: d.index ?? i, embedding: d.embedding ?? [] })),
    model: typeof native.model === 'string' && native.model ? native.model : ctx.model,
    usage: { prompt_tokens: prompt, total_tokens: native.usage?.total_tokens ?? prompt },
  };
}
