// What the fake Anthropic does with extended thinking and prompt caching,
// as the real API documents it:
// - with `thinking` enabled it thinks first: a thinking block whose
//   signature the fake can check later (a hash of the text), streamed as
//   thinking_delta then signature_delta;
// - it refuses what Anthropic refuses: a budget under 1024 or not under
//   max_tokens, a forced tool choice, temperature, a tool loop whose
//   assistant turn does not start with its (correctly signed) thinking,
//   more than 4 cache_control breakpoints;
// - a prompt prefix up to the last cache_control breakpoint is written to
//   the fake's cache the first time and read from it afterwards, and usage
//   says so (cache_creation_input_tokens / cache_read_input_tokens).
// https://platform.claude.com/docs/en/build-with-claude/extended-thinking
// https://platform.claude.com/docs/en/build-with-claude/prompt-caching
import { createHash } from 'node:crypto';
import { countWords } from './http';

type Json = Record<string, any>;

export function signThinking(text: string): string {
  return `fake-sig-${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
}

/** Anthropic's 400 message for a request it would refuse, or undefined. */
export function thinkingOrCacheRefusal(body: Json): string | undefined {
  let markers = 0;
  const count = (b: Json) => {
    if (b?.cache_control) markers++;
    if (Array.isArray(b?.content)) b.content.forEach(count);
  };
  (body.tools ?? []).forEach(count);
  if (Array.isArray(body.system)) body.system.forEach(count);
  for (const m of body.messages ?? []) if (Array.isArray(m.content)) m.content.forEach(count);
  if (markers > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${markers}.`;

  if (body.thinking?.type !== 'enabled') return undefined;
  const budget = body.thinking.budget_tokens;
  if (!(budget >= 1024)) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
  if (!(budget < body.max_tokens)) return '`max_tokens` must be greater than `thinking.budget_tokens`.';
  if (body.temperature !== undefined && body.temperature !== 1) return '`temperature` may only be set to 1 when thinking is enabled.';
  if (body.tool_choice && !['auto', 'none'].includes(body.tool_choice.type)) return 'Thinking may not be enabled when tool_choice forces tool use.';
  // In a tool loop the last assistant turn must start with its own signed thinking.
  const messages: Json[] = body.messages ?? [];
  const last = messages.at(-1);
  const assistant = messages.at(-2);
  const inLoop = last?.role === 'user' && Array.isArray(last.content) && last.content.some((b: Json) => b.type === 'tool_result');
  if (inLoop && assistant?.role === 'assistant' && Array.isArray(assistant.content)) {
    const first = assistant.content[0];
    if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
      return `messages.${messages.length - 2}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
    }
  }
  for (const m of messages) {
    for (const b of Array.isArray(m.content) ? m.content : []) {
      if (b.type === 'thinking' && b.signature !== signThinking(b.thinking)) return 'Invalid `signature` in `thinking` block';
    }
  }
  return undefined;
}

/** The thinking the fake does before answering, or undefined without thinking. */
export function fakeThinking(body: Json, about: string): { text: string; signature: string } | undefined {
  if (body.thinking?.type !== 'enabled') return undefined;
  const text = `The user asks: ${about}. I will answer step by step.`;
  return { text, signature: signThinking(text) };
}

/** Cache reads and writes of this request; `seen` holds the prefixes cached so far. */
export function cacheUsage(body: Json, seen: Set<string>): { read: number; write: number } {
  const marked = (b: Json): boolean => !!b?.cache_control || (Array.isArray(b?.content) && b.content.some(marked));
  const parts: unknown[] = [body.tools ?? [], body.system ?? ''];
  let prefix: string | undefined;
  if ((body.tools ?? []).some(marked) || (Array.isArray(body.system) && body.system.some(marked))) prefix = JSON.stringify(parts);
  (body.messages ?? []).forEach((m: Json) => {
    parts.push(m);
    if (Array.isArray(m.content) && m.content.some(marked)) prefix = JSON.stringify(parts);
  });
  if (prefix === undefined) return { read: 0, write: 0 };
  const tokens = countWords(prefix);
  const key = createHash('sha256').update(prefix).digest('hex');
  if (seen.has(key)) return { read: tokens, write: 0 };
  seen.add(key);
  return { read: 0, write: tokens };
}
