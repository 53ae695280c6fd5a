// What the fake Bedrock does with Claude's extended thinking and prompt
// caching on Converse, as AWS documents them:
// - `additionalModelRequestFields.thinking` enabled: a reasoningContent
//   block first (text and a signature the fake can check), streamed as
//   reasoningContent text deltas then the signature; a tool loop whose
//   assistant turn does not start with its correctly signed reasoning is a
//   ValidationException, as are a budget under 1024 or not under maxTokens;
// - cachePoint blocks: the prefix up to the last one is written the first
//   time and read afterwards (cacheWriteInputTokens / cacheReadInputTokens;
//   inputTokens leaves them out).
// https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
// https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
import { createHash } from 'node:crypto';
import { signThinking } from './anthropic-thinking-and-cache';
import { countWords } from './http';

type Json = Record<string, any>;

export function bedrockThinkingRefusal(body: Json): string | undefined {
  const thinking = body.additionalModelRequestFields?.thinking;
  if (thinking?.type !== 'enabled') return undefined;
  if (!(thinking.budget_tokens >= 1024)) return 'thinking.budget_tokens: must be at least 1024';
  if (!(thinking.budget_tokens < (body.inferenceConfig?.maxTokens ?? 4096))) return 'max_tokens must be greater than thinking.budget_tokens';
  const messages: Json[] = body.messages ?? [];
  const last = messages.at(-1);
  const assistant = messages.at(-2);
  const inLoop = last?.role === 'user' && (last.content ?? []).some((b: Json) => b.toolResult);
  if (inLoop && assistant?.role === 'assistant' && !assistant.content?.[0]?.reasoningContent) {
    return 'The model returned the following errors: messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`.';
  }
  for (const m of messages) {
    for (const b of m.content ?? []) {
      const r = b.reasoningContent?.reasoningText;
      if (r && r.signature !== signThinking(r.text)) return 'The model returned the following errors: Invalid `signature` in `thinking` block';
    }
  }
  return undefined;
}

export function bedrockThinking(body: Json, about: string): { text: string; signature: string } | undefined {
  if (body.additionalModelRequestFields?.thinking?.type !== 'enabled') return undefined;
  const text = `The user asks: ${about}. I will answer step by step.`;
  return { text, signature: signThinking(text) };
}

export function bedrockCacheUsage(body: Json, seen: Set<string>): { read: number; write: number } {
  const parts: unknown[] = [];
  let prefix: string | undefined;
  const walk = (list: Json[] | undefined) => {
    for (const block of list ?? []) {
      parts.push(block);
      if (block.cachePoint) prefix = JSON.stringify(parts);
    }
  };
  walk(body.toolConfig?.tools);
  walk(body.system);
  for (const m of body.messages ?? []) walk(m.content);
  if (prefix === undefined) return { read: 0, write: 0 };
  const tokens = countWords(prefix);
  const key = createHash('sha256').update(prefix).digest('hex');
  if (seen.has(key)) return { read: tokens, write: 0 };
  seen.add(key);
  return { read: 0, write: tokens };
}
