// Token counts for when a provider reports none (some streams, some
// OpenAI-compatible servers): o200k_base, the tokenizer of current OpenAI
// models, as an estimate for every model family. Loading its ranks takes
// most of a second (blocking the plugin server), so it happens once per
// process, shortly after start-up (warmTokenizer).
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type { ChatRequest, Usage } from '../openai/types';
import { toolCallInput } from '../openai/tool-call-input';

// OpenAI's documented per-message framing and a 512px image tile.
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 765;

let encoder: Tiktoken | undefined;

function tokenizer(): Tiktoken {
  encoder ??= new Tiktoken(o200k);
  return encoder;
}

/** Loads the ranks a few seconds after start-up, not in the way of the first requests. */
export function warmTokenizer(): void {
  setTimeout(() => tokenizer(), 5_000).unref();
}

export function countTokens(text: string): number {
  return text ? tokenizer().encode(text).length : 0;
}

export function estimatePromptTokens(request: ChatRequest): number {
  let tokens = 3;
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE;
    if (typeof message.content === 'string') tokens += countTokens(message.content);
    else for (const part of message.content ?? []) tokens += part.type === 'text' ? countTokens(part.text) : TOKENS_PER_IMAGE;
    for (const call of message.tool_calls ?? []) {
      const input = toolCallInput(call);
      tokens += countTokens(input.name) + countTokens(input.text);
    }
  }
  if (request.tools?.length) tokens += countTokens(JSON.stringify(request.tools));
  return tokens;
}

export function estimateUsage(request: ChatRequest, completion: string): Usage {
  const prompt = estimatePromptTokens(request);
  const out = countTokens(completion);
  return { prompt_tokens: prompt, completion_tokens: out, total_tokens: prompt + out };
}
