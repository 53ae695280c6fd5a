// The most a model can write when a request sets no max_tokens: what a
// reservation assumes for the output. Published maximum output tokens per
// model family (provider model pages, 2025); the first matching pattern wins.
// Unknown models get DEFAULT_MAX_OUTPUT_TOKENS. Clients that set
// `max_tokens` / `max_completion_tokens` reserve exactly that instead.
const MAX_OUTPUT: Array<[RegExp, number]> = [
  [/(^|[/.:])(o1|o3|o4)(-|$)/, 100_000],
  [/gpt-5/, 128_000],
  [/gpt-4\.1/, 32_768],
  [/gpt-4o/, 16_384],
  [/gpt-4|gpt-3\.5/, 4_096],
  [/claude-(opus-4|4-opus)/, 32_000],
  [/claude-(sonnet-4|4-sonnet)|claude-3-7/, 64_000],
  [/claude-3-5|claude-3\.5/, 8_192],
  [/claude/, 4_096],
  [/gemini-2\.5/, 65_536],
  [/gemini/, 8_192],
  [/command/, 4_000],
  [/mistral|mixtral|codestral|ministral|magistral/, 32_768],
];

export const DEFAULT_MAX_OUTPUT_TOKENS = 16_384;

export function defaultMaxOutputTokens(model: string): number {
  const name = model.toLowerCase();
  for (const [pattern, tokens] of MAX_OUTPUT) if (pattern.test(name)) return tokens;
  return DEFAULT_MAX_OUTPUT_TOKENS;
}
