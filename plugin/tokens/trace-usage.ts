import type { TraceUsage } from '../contract';
import type { Usage } from '../openai/types';

/** A response's usage as a trace keeps it: the cache and reasoning details only where the provider reported them. */
export function traceUsage(usage: Usage): TraceUsage {
  const out: TraceUsage = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (cached) out.cachedTokens = cached;
  if (written) out.cacheWriteTokens = written;
  if (reasoning) out.reasoningTokens = reasoning;
  return out;
}
