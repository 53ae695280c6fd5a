// Anthropic takes at most 4 cache_control breakpoints per request and
// refuses more. OpenAI-format clients know no such limit (LiteLLM users mark
// every system and tool message), so the gateway keeps the last 4 in prompt
// order (tools, system, messages): the cache is a prefix, and the later a
// breakpoint, the more of the prompt it covers.
// https://platform.claude.com/docs/en/build-with-claude/prompt-caching
import type { AnthropicRequest } from './types';

export const MAX_CACHE_BREAKPOINTS = 4;

type Marked = { cache_control?: unknown };

export function limitCacheBreakpoints(body: AnthropicRequest, max = MAX_CACHE_BREAKPOINTS): void {
  const marked: Marked[] = [];
  const visit = (x: unknown): void => {
    if (typeof x !== 'object' || x === null) return;
    if ((x as Marked).cache_control) marked.push(x);
    const inner = (x as { content?: unknown }).content;
    if (Array.isArray(inner)) inner.forEach(visit);
  };
  (body.tools ?? []).forEach(visit);
  if (Array.isArray(body.system)) body.system.forEach(visit);
  for (const m of body.messages) if (Array.isArray(m.content)) m.content.forEach(visit);
  for (const block of marked.slice(0, Math.max(0, marked.length - max))) delete block.cache_control;
}
