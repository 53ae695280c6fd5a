// Token counts for when a provider reports none (some streams, some
// OpenAI-compatible servers): o200k_base, the tokenizer of current OpenAI
// models, as an estimate for every model family. Building it from its ranks
// takes 0.5-2 s of CPU on the thread that does it (measured on the bench
// machine), blocking every request in flight there, so it is built only when
// something needs it: the first count, or a configuration with budgets or
// token rate limits (warmTokenizer), never on a timer in the way of requests
// that need no tokenizer at all. Its ranks (megabytes of JavaScript) load
// with it, not at start-up.
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import type { ChatRequest, ContentPart, Usage } from '../openai/types';
import { toolCallInput } from '../openai/tool-call-input';

// OpenAI's documented per-message framing and a 512px image tile.
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 765;

let encoder: Tiktoken | undefined;

function tokenizer(): Tiktoken {
  if (!encoder) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use: the o200k table is megabytes that paths without token counting never need
    const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE | { default: TiktokenBPE };
    encoder = new Tiktoken('default' in ranks ? ranks.default : ranks);
  }
  return encoder;
}

/** Builds the tokenizer now if it is not built yet. */
export function warmTokenizer(): void {
  tokenizer();
}

export function countTokens(text: string): number {
  return text ? tokenizer().encode(text).length : 0;
}

// A request's prompt is counted once: budget admission counts it before the
// call, and a stream that reports no usage would count it again at its end
// (milliseconds for an agent's turn); the count also lets a committed stream
// drop its request (plugin/pipeline/committed-request.ts).
const counted = new WeakMap<ChatRequest, number>();

/** The prompt's count if it was already made (e.g. by budget admission), without counting. */
export function countedPromptTokens(request: ChatRequest): number | undefined {
  return counted.get(request);
}

export function estimatePromptTokens(request: ChatRequest): number {
  let tokens = counted.get(request);
  if (tokens === undefined) counted.set(request, (tokens = countPromptTokens(request)));
  return tokens;
}

function countPromptTokens(request: ChatRequest): number {
  let tokens = 3;
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE;
    if (typeof message.content === 'string') tokens += countTokens(message.content);
    else for (const part of message.content ?? []) tokens += partTokens(part);
    for (const call of message.tool_calls ?? []) {
      const input = toolCallInput(call);
      tokens += countTokens(input.name) + countTokens(input.text);
    }
    // Signed thinking goes back to the providers that take it (as input).
    for (const block of message.thinking_blocks ?? []) tokens += block.type === 'thinking' ? countTokens(block.thinking) : Math.ceil(block.data.length / 4);
  }
  if (request.tools?.length) tokens += countTokens(JSON.stringify(request.tools));
  return tokens;
}

/**
 * Images cost a 512px tile; files and audio are counted from their size,
 * generously (a PDF's text runs to about one token per 4 bytes; audio is
 * billed per second, well under one token per 1,000 bytes), so a
 * reservation never prices them below what they cost.
 */
function partTokens(part: ContentPart): number {
  switch (part.type) {
    case 'text':
      return countTokens(part.text);
    case 'image_url':
      return TOKENS_PER_IMAGE;
    case 'file':
      return Math.max(TOKENS_PER_IMAGE, Math.ceil(((part.file.file_data?.length ?? 0) * 3) / 4 / 4));
    case 'input_audio':
      return Math.max(TOKENS_PER_IMAGE, Math.ceil((part.input_audio.data.length * 3) / 4 / 1000));
  }
}

export function estimateUsage(request: ChatRequest, completion: string): Usage {
  return usageFor(estimatePromptTokens(request), completion);
}

/** Usage from a prompt already counted and the completion's text. */
export function usageFor(prompt: number, completion: string): Usage {
  const out = countTokens(completion);
  return { prompt_tokens: prompt, completion_tokens: out, total_tokens: prompt + out };
}
